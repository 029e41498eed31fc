/* Internal archive helpers shared by transfers and pocketenvd. */
#ifndef PE_ARCHIVE_INT_H
#define PE_ARCHIVE_INT_H

#include "internal.h"

/* Safely extracts a tar.gz read from fd into the existing empty directory stage. */
PE_HIDDEN int pe_extract_to_stage(int fd, const char *stage, uint64_t max_bytes);
/* Creates a hidden staging directory next to near_path (same file system). Caller frees. */
PE_HIDDEN char *pe_make_stage(const char *near_path);
/* Moves src onto dst, merging directories and replacing files. */
PE_HIDDEN int pe_merge_into(const char *src, const char *dst);
/* Removes a tree (best effort); 0 when gone. */
PE_HIDDEN int pe_rmtree(const char *path);

/* Sorted names of a directory's entries (no "." or ".."). Free with pe_free_names. */
PE_HIDDEN int pe_list_dir(const char *path, char ***names, size_t *count);
PE_HIDDEN void pe_free_names(char **names, size_t count);

#endif
