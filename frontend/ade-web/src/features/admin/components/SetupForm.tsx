import { useState, type SyntheticEvent } from 'react';

import { formErrors } from '@/api/formErrors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import { placeSetupProblem, SETUP_FIELDS, type SetupRequest } from '../api/setup';

export const MIN_PASSWORD_LENGTH = 8;

export interface SetupFormProps {
  onSubmit: (values: SetupRequest) => void;
  pending: boolean;
  error: unknown;
}

/**
 * The first admin's account and the server's setup token. The API's problems show at the field
 * they concern (a wrong token at the token, a short password at the password); a mismatched
 * confirmation is caught here before sending.
 */
export function SetupForm({ onSubmit, pending, error }: SetupFormProps) {
  const [token, setToken] = useState('');
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);
  const errors = formErrors(error, SETUP_FIELDS, placeSetupProblem);
  const mismatch = checked && confirm !== password ? ['The passwords do not match.'] : [];
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setChecked(true);
    if (confirm !== password) return;
    const name = displayName.trim();
    onSubmit({ token: token.trim(), email: email.trim(), password, ...(name ? { display_name: name } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      <Field
        label="Setup token"
        hint={
          <>
            Printed on the console by <code>ade start</code> (or <code>ade api serve</code>) while no user exists.
          </>
        }
        errors={errors.field('token')}
      >
        {(control) => (
          <Input
            {...control}
            autoFocus
            required
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        )}
      </Field>
      <Field label="Email" errors={errors.field('email')}>
        {(control) => (
          <Input
            {...control}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        )}
      </Field>
      <Field label="Display name" hint="Optional. Shown to your team instead of your email." errors={errors.field('display_name')}>
        {(control) => (
          <Input
            {...control}
            autoComplete="name"
            maxLength={200}
            value={displayName}
            onChange={(event) => setDisplayName(event.target.value)}
          />
        )}
      </Field>
      <Field label="Password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} errors={errors.field('password')}>
        {(control) => (
          <Input
            {...control}
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        )}
      </Field>
      <Field label="Confirm password" errors={mismatch}>
        {(control) => (
          <Input
            {...control}
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(event) => setConfirm(event.target.value)}
          />
        )}
      </Field>
      {errors.form !== null && <ProblemMessage error={errors.form} />}
      <Button type="submit" variant="primary" loading={pending} disabled={!token.trim() || !email.trim() || !password || !confirm}>
        Create admin account
      </Button>
    </form>
  );
}
