import { useState, type SyntheticEvent } from 'react';

import { ApiError } from '@/api/errors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { LoginRequest } from '../api/auth';

export interface SignInFormProps {
  onSubmit: (values: LoginRequest) => void;
  pending: boolean;
  error: unknown;
}

/** Email and password. A wrong password or a throttled account shows as a message above the button. */
export function SignInForm({ onSubmit, pending, error }: SignInFormProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const fieldErrors = (name: string) => (error instanceof ApiError ? error.fieldErrors(name) : []);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onSubmit({ email: email.trim(), password });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      <Field label="Email" errors={fieldErrors('email')}>
        {(control) => (
          <Input
            {...control}
            type="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        )}
      </Field>
      <Field label="Password" errors={fieldErrors('password')}>
        {(control) => (
          <Input
            {...control}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        )}
      </Field>
      {error !== null && error !== undefined && <ProblemMessage error={error} withTitle={false} />}
      <Button type="submit" variant="primary" loading={pending} disabled={!email || !password}>
        Sign in
      </Button>
    </form>
  );
}
