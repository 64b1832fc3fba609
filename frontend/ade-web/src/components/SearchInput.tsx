import { Search } from 'lucide-react';
import { useEffect, useState } from 'react';

import styles from './SearchInput.module.css';

/** A search box that reports its value after typing pauses (`delayMs`). */
export function SearchInput({
  label,
  value,
  onChange,
  delayMs = 250,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  delayMs?: number;
}) {
  const [text, setText] = useState(value);
  // When the value changes from outside (back button, a link), show it: adjust during render.
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    setText(value);
  }
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => onChange(text), delayMs);
    return () => clearTimeout(timer);
  }, [text, value, onChange, delayMs]);
  return (
    <label className={styles.search}>
      <Search size={14} aria-hidden className={styles.icon} />
      <span className="visually-hidden">{label}</span>
      <input type="search" placeholder={`${label}…`} value={text} onChange={(e) => setText(e.target.value)} />
    </label>
  );
}
