import * as RadixToast from '@radix-ui/react-toast';
import { CheckCircle2, AlertCircle, X } from 'lucide-react';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import styles from './Toast.module.css';

export interface ToastInput {
  title: string;
  description?: string;
  tone?: 'success' | 'error' | 'info';
}

interface ToastItem extends ToastInput {
  id: number;
}

type Notify = (toast: ToastInput) => void;
const ToastContext = createContext<Notify | null>(null);

let nextId = 1;

/** Holds the toasts of the app; `useToast()` shows one. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const notify = useCallback<Notify>((toast) => {
    setToasts((list) => [...list, { ...toast, id: nextId++ }]);
  }, []);
  const remove = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);
  const value = useMemo(() => notify, [notify]);
  return (
    <ToastContext.Provider value={value}>
      <RadixToast.Provider swipeDirection="right" duration={5000}>
        {children}
        {toasts.map((toast) => (
          <RadixToast.Root
            key={toast.id}
            className={[styles.toast, styles[toast.tone ?? 'info']].join(' ')}
            onOpenChange={(open) => {
              if (!open) remove(toast.id);
            }}
            type={toast.tone === 'error' ? 'foreground' : 'background'}
          >
            {toast.tone === 'error' ? (
              <AlertCircle size={16} aria-hidden className={styles.icon} />
            ) : (
              <CheckCircle2 size={16} aria-hidden className={styles.icon} />
            )}
            <div className={styles.text}>
              <RadixToast.Title className={styles.title}>{toast.title}</RadixToast.Title>
              {toast.description && (
                <RadixToast.Description className={styles.description}>{toast.description}</RadixToast.Description>
              )}
            </div>
            <RadixToast.Close className={styles.close} aria-label="Dismiss">
              <X size={14} aria-hidden />
            </RadixToast.Close>
          </RadixToast.Root>
        ))}
        <RadixToast.Viewport className={styles.viewport} />
      </RadixToast.Provider>
    </ToastContext.Provider>
  );
}

export function useToast(): Notify {
  const notify = useContext(ToastContext);
  if (notify === null) throw new Error('useToast needs a <ToastProvider>');
  return notify;
}
