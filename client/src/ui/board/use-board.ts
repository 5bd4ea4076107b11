/**
 * The thin layer between the board store and React: the store is handed down in a context, and a
 * component subscribes to its state with {@link useBoard}.
 */
import { createContext, useContext, useEffect, useSyncExternalStore } from 'react';
import type { BoardStore, BoardUiState } from '../../board/store.js';
import { handleShortcut } from '../../board/shortcuts.js';

export const BoardContext = createContext<BoardStore | null>(null);

/** The store of the board on screen. */
export function useBoardStore(): BoardStore {
  const store = useContext(BoardContext);
  if (!store) throw new Error('useBoardStore is used outside a board screen');
  return store;
}

/** The board screen's state; the component renders again whenever it changes. */
export function useBoard(): BoardUiState {
  const store = useBoardStore();
  return useSyncExternalStore(store.subscribe, store.getState);
}

/** Sends the window's keys through the shortcut table while the board is on screen. */
export function useShortcuts(store: BoardStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (handleShortcut(store, e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}
