/**
 * What a transport may hand to the supervisor to hold: a raw libuv handle
 * (Node IPC sends its fd with SCM_RIGHTS, and nobody polls it while held).
 */
export type HeldHandle = object;
