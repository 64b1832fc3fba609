import { Navigate, useNavigate, useSearchParams } from 'react-router';

import { SignInForm } from '@/features/auth/components/SignInForm';
import { useLogin } from '@/features/auth/api/auth';
import { lastEndReason } from '@/lib/session';
import { useSession } from '@/lib/useSession';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { AuthCard } from '../layout/AuthCard';

/** Only same-app paths are followed after sign-in (never `//evil.example` or a full url). */
export function safeNext(next: string | null): string {
  if (next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')) return next;
  return '/';
}

export default function SignInPage() {
  const [params] = useSearchParams();
  useDocumentTitle('Sign in');
  const navigate = useNavigate();
  const login = useLogin();
  const session = useSession();
  const next = safeNext(params.get('next'));
  if (session !== null && !login.isPending) return <Navigate to={next} replace />;
  const expired = lastEndReason() === 'expired';
  return (
    <AuthCard
      title="Sign in to ADE"
      description={expired ? 'Your session has ended. Sign in again to continue where you were.' : 'Welcome back.'}
    >
      <SignInForm
        pending={login.isPending}
        error={login.error}
        onSubmit={(values) => {
          login.mutate(values, { onSuccess: () => void navigate(next, { replace: true }) });
        }}
      />
    </AuthCard>
  );
}
