// Code splitting for heavy screens (charts, admin) without preact/compat.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Loading } from './ui';

export function lazyScreen<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let Comp: ComponentType<P> | null = null;
  let pending: Promise<void> | null = null;
  let failed = false;
  return function Lazy(props: P) {
    const [, setTick] = useState(0);
    useEffect(() => {
      if (Comp) return;
      let live = true;
      pending ??= load().then(
        (m) => { Comp = m.default; },
        () => { failed = true; pending = null; },
      );
      void pending.then(() => live && setTick((t) => t + 1));
      return () => { live = false; };
    }, []);
    if (Comp) return <Comp {...props} />;
    if (failed) return <p role="alert">This screen could not be loaded. Check your connection and reload the page.</p>;
    return <Loading />;
  };
}
