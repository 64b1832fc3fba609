import { FileQuestion } from 'lucide-react';
import { Link } from 'react-router';

import { Button } from '@/components/Button';
import { EmptyState } from '@/components/PageState';

/** A resource that does not exist, or that the user cannot see (another workspace's). */
export function NotFound({ what = 'page' }: { what?: string }) {
  return (
    <div style={{ paddingTop: 48 }}>
      <EmptyState
        icon={<FileQuestion size={20} />}
        title={`This ${what} was not found`}
        description={`It may have been deleted, or it belongs to a workspace you are not a member of.`}
        action={
          <Button asChild variant="secondary">
            <Link to="/">Go to your workspace</Link>
          </Button>
        }
      />
      <h1 className="visually-hidden">Not found</h1>
    </div>
  );
}

export default function NotFoundPage() {
  return <NotFound />;
}
