// Size and count limits from SUBSTRATE-API.md ("Every request is bounded") in one place.

/** Largest raw chain append/prepend body, in bytes (50 MB). */
export const MAX_CHAIN_BODY_BYTES = 50 * 1024 * 1024;
/** Largest decoded object `data`, in bytes (1 MB). */
export const MAX_OBJECT_DATA_BYTES = 1024 * 1024;
/** Largest decoded association `data`, in bytes (128 KB). */
export const MAX_ASSOCIATION_DATA_BYTES = 128 * 1024;
/** Largest JSON body accepted on non-chain routes (room for base64 of 1 MB plus fields). */
export const MAX_JSON_BODY_BYTES = 2 * 1024 * 1024;
/** Largest `limit` / `count` a list query may ask for. */
export const MAX_LIST_LIMIT = 1000;
/** Default `limit` for association lists. */
export const DEFAULT_LIST_LIMIT = 50;
/** Largest number of blocks returned by one range query. */
export const MAX_RANGE_BLOCKS = 1000;
/** Most items one batch (the batch extension) may carry. */
export const MAX_BATCH_ITEMS = 64;
