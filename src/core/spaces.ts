/** Spaces: separate libraries in one database. Everything made before spaces existed lives in the default one. */
export const DEFAULT_SPACE_ID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_SPACE_NAME = 'default';

/** Space and user names: short, URL- and shell-safe. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
