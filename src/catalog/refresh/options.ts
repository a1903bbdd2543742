/** `catalog refresh` choices, apart from the refresh code so that the CLI can offer them without loading it. */
export const REFRESHABLE_CLOUDS = ['aws', 'azure'] as const;
export type RefreshableCloud = (typeof REFRESHABLE_CLOUDS)[number];
export const DEFAULT_OVERLAY_DIR = '.stackfit/catalog';
