import { afterEach, describe, expect, it, vi } from 'vitest';

import { end, getSession, getToken, lastEndReason, startSession, subscribe } from './session';

describe('the session', () => {
  afterEach(() => {
    vi.useRealTimers();
    end('signed-out');
  });

  it('keeps the token in sessionStorage until it expires', () => {
    vi.useFakeTimers();
    const changes = vi.fn();
    const unsubscribe = subscribe(changes);
    startSession('tok', 60);
    expect(getToken()).toBe('tok');
    expect(sessionStorage.getItem('ade.session')).toContain('tok');
    vi.advanceTimersByTime(60_001);
    expect(getSession()).toBeNull();
    expect(lastEndReason()).toBe('expired');
    expect(sessionStorage.getItem('ade.session')).toBeNull();
    expect(changes).toHaveBeenCalledTimes(2);
    unsubscribe();
  });

  it('remembers a sign-out as such', () => {
    startSession('tok', 60);
    end('signed-out');
    expect(getToken()).toBeNull();
    expect(lastEndReason()).toBe('signed-out');
  });
});
