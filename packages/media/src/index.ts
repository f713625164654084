export {
  LocalMediaStore,
  MediaRejectedError,
  type LocalMediaStoreOptions,
  type MediaStore,
  type StoredMedia,
} from './store.ts';
export { detectFileType } from './detect.ts';
