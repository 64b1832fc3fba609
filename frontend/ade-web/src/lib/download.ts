/**
 * Save a blob as a file: the way to download what needs the bearer token (a plain link cannot
 * send it). Fetch it through the API client (`parseAs: 'blob'`), then call this.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser a moment to start the download before the URL goes.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}
