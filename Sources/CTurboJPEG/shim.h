#ifndef NANOVLM_CTURBOJPEG_SHIM_H
#define NANOVLM_CTURBOJPEG_SHIM_H

// TurboJPEG catches libjpeg's longjmp inside the library and answers -1, with the reason
// in a per-handle or thread-local string and its severity in tjGetErrorCode. Each wrapper
// below makes one call and copies the reason out at once, so Swift sees a return code
// plus a message and never reads TurboJPEG's error state after another call changed it.

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <turbojpeg.h>

enum {
    NVJPEG_OK = 0,
    NVJPEG_WARNING = 1,   // libjpeg-turbo would go on (damaged or cut-short data); we stop
    NVJPEG_ERROR = 2,     // libjpeg-turbo refused the data
    NVJPEG_NO_MEMORY = 3, // no handle could be made
};

/// What the frame header says.
typedef struct nvjpeg_header {
    int width;
    int height;
    int subsampling; // TJSAMP_*
    int colorspace;  // TJCS_*
} nvjpeg_header;

static inline void nvjpeg_copy_message(const char *text, char *message, size_t capacity) {
    if (message == NULL || capacity == 0) return;
    strncpy(message, text != NULL ? text : "", capacity - 1);
    message[capacity - 1] = '\0';
}

static inline int nvjpeg_failure(tjhandle handle, char *message, size_t capacity) {
    // The code first: tjGetErrorStr2 clears the instance's error flag.
    int warning = handle != NULL && tjGetErrorCode(handle) == TJERR_WARNING;
    nvjpeg_copy_message(tjGetErrorStr2(handle), message, capacity);
    return warning ? NVJPEG_WARNING : NVJPEG_ERROR;
}

/// A decompressor, or NULL when out of memory. Not shared between threads.
static inline tjhandle nvjpeg_decoder_create(void) { return tjInitDecompress(); }

static inline void nvjpeg_destroy(tjhandle handle) {
    if (handle != NULL) tjDestroy(handle);
}

/// Reads the markers up to the first scan: no pixel memory is allocated, so the caller
/// can check the dimensions first.
static inline int nvjpeg_read_header(
    tjhandle handle, const void *data, size_t size, nvjpeg_header *header, char *message, size_t capacity
) {
    if (tjDecompressHeader3(handle, (const unsigned char *)data, (unsigned long)size, &header->width,
                            &header->height, &header->subsampling, &header->colorspace) != 0)
        return nvjpeg_failure(handle, message, capacity);
    return NVJPEG_OK;
}

/// Decompresses into `pixels` (`height` rows of `pitch` bytes) at the largest DCT scale
/// that fits `width`×`height`. A warning stops the decode: libjpeg-turbo would fill what
/// it could not read with grey and call the result a success. Progressive scans are
/// limited (TJFLAG_LIMITSCANS), so a file of endless tiny scans cannot stall a thread.
static inline int nvjpeg_decompress(
    tjhandle handle, const void *data, size_t size, void *pixels, int width, int pitch, int height,
    int pixel_format, char *message, size_t capacity
) {
    int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
    if (tjDecompress2(handle, (const unsigned char *)data, (unsigned long)size, (unsigned char *)pixels, width,
                      pitch, height, pixel_format, flags) != 0)
        return nvjpeg_failure(handle, message, capacity);
    return NVJPEG_OK;
}

/// Compresses `height` rows of `width` packed pixels (TJPF_RGB, TJPF_GRAY or TJPF_CMYK,
/// which TurboJPEG stores as YCCK). On success `*out` holds `*out_size` bytes to be freed
/// with nvjpeg_free.
static inline int nvjpeg_compress(
    const uint8_t *pixels, int width, int height, int pixel_format, int subsampling, int quality,
    int progressive, uint8_t **out, size_t *out_size, char *message, size_t capacity
) {
    *out = NULL;
    *out_size = 0;
    tjhandle handle = tjInitCompress();
    if (handle == NULL) {
        nvjpeg_copy_message(tjGetErrorStr2(NULL), message, capacity);
        return NVJPEG_NO_MEMORY;
    }
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    int flags = progressive ? TJFLAG_PROGRESSIVE : 0;
    if (tjCompress2(handle, pixels, width, 0, height, pixel_format, &buffer, &size, subsampling, quality,
                    flags) != 0) {
        int code = nvjpeg_failure(handle, message, capacity);
        tjFree(buffer);
        tjDestroy(handle);
        return code == NVJPEG_WARNING ? NVJPEG_ERROR : code;
    }
    tjDestroy(handle);
    *out = buffer;
    *out_size = (size_t)size;
    return NVJPEG_OK;
}

static inline void nvjpeg_free(uint8_t *pointer) { tjFree(pointer); }

#endif
