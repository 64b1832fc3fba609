import { ChevronDown } from 'lucide-react';
import { forwardRef, type SelectHTMLAttributes } from 'react';

import styles from './Select.module.css';

export interface SelectOption {
  value: string;
  label: string;
}

export type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'children'> & {
  options: SelectOption[];
  invalid?: boolean;
};

/** A native select in the app's look (native: best keyboard and screen-reader support). */
export const Select = forwardRef<HTMLSelectElement, SelectProps>(function Select(
  { options, invalid = false, className, ...rest },
  ref,
) {
  return (
    <span className={[styles.wrapper, className].filter(Boolean).join(' ')}>
      <select ref={ref} className={styles.select} aria-invalid={invalid || undefined} {...rest}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <ChevronDown size={14} aria-hidden className={styles.icon} />
    </span>
  );
});
