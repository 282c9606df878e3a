// What Ink takes from es-toolkit/compat (throttle), without loading the
// whole compat barrel (~600 ms of module loading on a small machine).
export { default as throttle } from 'es-toolkit/compat/throttle';
