import { createContext, useContext } from 'react';
import type { Me, Role } from './types.ts';

export interface Session { me: Me; logout: () => void; refresh: () => void }
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

const RANK: Record<Role, number> = { viewer: 1, developer: 2, admin: 3 };
export function can(me: Me, role: Role): boolean {
  return RANK[me.user.role] >= RANK[role];
}
