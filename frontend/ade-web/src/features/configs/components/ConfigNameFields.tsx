import { Field, Input } from '@/components/Field';

import { slugErrors, TITLE_MAX } from '../api/forms';
import type { ConfigName } from '../hooks/useConfigName';

export interface ConfigNameFieldsProps {
  name: ConfigName;
  /** The API's messages for each input. */
  errors: { title: string[]; slug: string[] };
  /** Importing: the manifest's title is used when none is typed. */
  titleOptional?: boolean;
  autoFocus?: boolean;
}

/** The title and slug inputs of the create, import and duplicate forms. */
export function ConfigNameFields({ name, errors, titleOptional = false, autoFocus = false }: ConfigNameFieldsProps) {
  return (
    <>
      <Field
        label={titleOptional ? 'Title (optional)' : 'Title'}
        hint={titleOptional ? 'Default: the title in the package’s manifest.' : undefined}
        errors={errors.title}
      >
        {(control) => (
          <Input
            {...control}
            autoFocus={autoFocus}
            required={!titleOptional}
            maxLength={TITLE_MAX}
            value={name.title}
            onChange={(event) => name.setTitle(event.target.value)}
          />
        )}
      </Field>
      <Field
        label="Slug"
        hint="Its short name in URLs and the CLI."
        errors={[...slugErrors(name.slug), ...errors.slug]}
      >
        {(control) => (
          <Input
            {...control}
            required
            maxLength={64}
            spellCheck={false}
            autoComplete="off"
            value={name.slug}
            onChange={(event) => name.setSlug(event.target.value)}
          />
        )}
      </Field>
    </>
  );
}
