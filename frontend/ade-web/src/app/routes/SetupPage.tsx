import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, useNavigate } from 'react-router';

import { ApiError } from '@/api/errors';
import { problemSlug } from '@/api/formErrors';
import { Button } from '@/components/Button';
import { PageState } from '@/components/PageState';
import { setupStatusQuery, useCompleteSetup } from '@/features/admin/api/setup';
import { SetupForm } from '@/features/admin/components/SetupForm';
import { useDocumentTitle } from '@/lib/useDocumentTitle';
import { useSession } from '@/lib/useSession';

import { AuthCard } from '../layout/AuthCard';

function SetupDone() {
  return (
    <AuthCard title="ADE is set up" description="This server already has its first admin. Sign in with your account.">
      <Button asChild variant="primary">
        <Link to="/sign-in">Go to sign-in</Link>
      </Button>
    </AuthCard>
  );
}

/**
 * `/setup`: the first run, while no user exists. The setup token `ade start` printed proves
 * the visitor runs the server; the first admin is signed in and goes on to create a workspace.
 */
export default function SetupPage() {
  useDocumentTitle('Set up');
  const status = useQuery(setupStatusQuery());
  const setup = useCompleteSetup();
  const navigate = useNavigate();
  const session = useSession();
  if (session !== null && !setup.isPending && !setup.isSuccess) return <Navigate to="/" replace />;
  const closed = setup.error instanceof ApiError && problemSlug(setup.error) === 'setup-complete';
  if (closed) return <SetupDone />;
  return (
    <PageState query={status} loadingLabel="Checking setup">
      {({ needed }) =>
        needed || setup.isPending || setup.isSuccess ? (
          <AuthCard title="Set up ADE" description="Create the first admin account for this server.">
            <SetupForm
              pending={setup.isPending}
              error={setup.error}
              onSubmit={(values) => {
                setup.mutate(values, { onSuccess: () => void navigate('/', { replace: true }) });
              }}
            />
          </AuthCard>
        ) : (
          <SetupDone />
        )
      }
    </PageState>
  );
}
