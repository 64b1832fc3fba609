"""Previews: a document's sheets, or a job's normalized workbook, as pages of JSON rows."""
