#ifndef NANOVLM_CLIBPNG_SHIM_H
#define NANOVLM_CLIBPNG_SHIM_H

// libpng reports errors by longjmp. Swift frames must never be jumped over, so every
// libpng call that can fail lives in one of the static inline functions below; each
// owns its setjmp and turns a failure into a return code plus a message.

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    NVPNG_OK = 0,
    NVPNG_TRUNCATED = 1, // the data ended before libpng had read what it needed
    NVPNG_CORRUPT = 2,   // libpng rejected the data (bad CRC, bad zlib stream, bad IHDR...)
    NVPNG_NO_MEMORY = 3,
};

// ---- Shared error plumbing --------------------------------------------------------

typedef struct nvpng_state {
    const unsigned char *data; // decode: the PNG bytes
    size_t size;
    size_t position;
    int truncated;             // set by the read callback before it raises an error
    unsigned char *output;     // encode: the growing output buffer
    size_t output_size;
    size_t output_capacity;
    png_bytep *rows;           // decode: row pointers, freed by nvpng_decoder_destroy
    char message[256];
    char warning[256];         // the latest warning: libpng explains some errors this way
} nvpng_state;

static inline void nvpng_error_fn(png_structp png, png_const_charp message) {
    nvpng_state *state = (nvpng_state *)png_get_error_ptr(png);
    if (state != NULL && state->message[0] == '\0' && message != NULL) {
        strncpy(state->message, message, sizeof(state->message) - 1);
        state->message[sizeof(state->message) - 1] = '\0';
    }
    png_longjmp(png, 1);
}

static inline void nvpng_warning_fn(png_structp png, png_const_charp message) {
    // Kept instead of printed to stderr: "Invalid IHDR data" errors are explained only
    // by the warning just before them ("Image width is zero in IHDR").
    nvpng_state *state = (nvpng_state *)png_get_error_ptr(png);
    if (state != NULL && message != NULL) {
        strncpy(state->warning, message, sizeof(state->warning) - 1);
        state->warning[sizeof(state->warning) - 1] = '\0';
    }
}

static inline int nvpng_failure_code(const nvpng_state *state) {
    return state->truncated ? NVPNG_TRUNCATED : NVPNG_CORRUPT;
}

// ---- Decoding ---------------------------------------------------------------------

/// What the header says, and what the decoded rows will hold after the transforms.
typedef struct nvpng_header {
    uint32_t width;
    uint32_t height;
    int source_bit_depth;
    int source_color_type;
    int interlaced;
    int channels;   // 3 (RGB) or 4 (RGBA) after the transforms
    int bit_depth;  // 8 or 16 after the transforms; 16-bit samples are big-endian
    size_t rowbytes;
} nvpng_header;

typedef struct nvpng_decoder {
    nvpng_state state;
    png_structp png;
    png_infop info;
} nvpng_decoder;

static inline void nvpng_read_fn(png_structp png, png_bytep out, size_t length) {
    nvpng_state *state = (nvpng_state *)png_get_io_ptr(png);
    if (state->size - state->position < length) {
        state->truncated = 1;
        png_error(png, "the data ends early");
    }
    memcpy(out, state->data + state->position, length);
    state->position += length;
}

/// A decoder over `size` bytes at `data` (not copied: they must outlive the decoder).
/// NULL when out of memory.
static inline nvpng_decoder *nvpng_decoder_create(const void *data, size_t size) {
    nvpng_decoder *decoder = (nvpng_decoder *)calloc(1, sizeof(nvpng_decoder));
    if (decoder == NULL) return NULL;
    decoder->state.data = (const unsigned char *)data;
    decoder->state.size = size;
    decoder->png = png_create_read_struct(
        PNG_LIBPNG_VER_STRING, &decoder->state, nvpng_error_fn, nvpng_warning_fn);
    if (decoder->png == NULL) {
        free(decoder);
        return NULL;
    }
    decoder->info = png_create_info_struct(decoder->png);
    if (decoder->info == NULL) {
        png_destroy_read_struct(&decoder->png, NULL, NULL);
        free(decoder);
        return NULL;
    }
    return decoder;
}

static inline void nvpng_decoder_destroy(nvpng_decoder *decoder) {
    if (decoder == NULL) return;
    png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    free(decoder->state.rows);
    free(decoder);
}

static inline const char *nvpng_decoder_message(const nvpng_decoder *decoder) {
    return decoder->state.message;
}

static inline const char *nvpng_decoder_warning(const nvpng_decoder *decoder) {
    return decoder->state.warning;
}

static inline size_t nvpng_decoder_bytes_read(const nvpng_decoder *decoder) {
    return decoder->state.position;
}

/// Reads the signature and every chunk up to the first IDAT. Allocates no pixel or row
/// memory, so the caller can check the dimensions first.
static inline int nvpng_decoder_read_header(nvpng_decoder *decoder, nvpng_header *header) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return nvpng_failure_code(&decoder->state);

    png_set_read_fn(png, &decoder->state, nvpng_read_fn);
    // Bad CRCs are errors in every chunk, not only critical ones.
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    // The caller enforces its own (smaller) size limit with a better message.
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_read_info(png, info);

    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->source_bit_depth = png_get_bit_depth(png, info);
    header->source_color_type = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    return NVPNG_OK;
}

/// Sets up the transforms to 8- or 16-bit RGB(A) and fills in the decoded layout.
/// libpng allocates its row buffers here, so call it only once the size is accepted.
static inline int nvpng_decoder_start_image(nvpng_decoder *decoder, nvpng_header *header) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return nvpng_failure_code(&decoder->state);

    int color_type = header->source_color_type;
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && header->source_bit_depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    header->channels = png_get_channels(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->rowbytes = png_get_rowbytes(png, info);
    return NVPNG_OK;
}

/// Decodes every row into `pixels` (height × `rowbytes` bytes, as the header said),
/// then reads the chunks after the image so that their CRCs are checked too.
static inline int nvpng_decoder_read_image(nvpng_decoder *decoder, void *pixels, size_t rowbytes) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return nvpng_failure_code(&decoder->state);

    uint32_t height = png_get_image_height(png, info);
    decoder->state.rows = (png_bytep *)malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (decoder->state.rows == NULL) return NVPNG_NO_MEMORY;
    for (uint32_t y = 0; y < height; y++)
        decoder->state.rows[y] = (png_bytep)pixels + (size_t)y * rowbytes;
    png_read_image(png, decoder->state.rows);
    png_read_end(png, NULL);
    return NVPNG_OK;
}

// ---- Encoding ---------------------------------------------------------------------

static inline void nvpng_write_fn(png_structp png, png_bytep data, size_t length) {
    nvpng_state *state = (nvpng_state *)png_get_io_ptr(png);
    if (state->output_capacity - state->output_size < length) {
        size_t capacity = state->output_capacity > 0 ? state->output_capacity : 1024;
        while (capacity - state->output_size < length) {
            if (capacity > SIZE_MAX / 2) png_error(png, "the PNG is too large to hold in memory");
            capacity *= 2;
        }
        unsigned char *grown = (unsigned char *)realloc(state->output, capacity);
        if (grown == NULL) png_error(png, "out of memory while encoding the PNG");
        state->output = grown;
        state->output_capacity = capacity;
    }
    memcpy(state->output + state->output_size, data, length);
    state->output_size += length;
}

static inline void nvpng_flush_fn(png_structp png) { (void)png; }

/// Encodes `height` rows of `width` interleaved 8-bit RGB pixels as a PNG. On success
/// `*out` holds a malloc'd buffer of `*out_size` bytes, to be freed with nvpng_free.
/// On failure `message` (of `message_capacity` bytes) says why.
static inline int nvpng_encode_rgb8(
    const uint8_t *rgb, uint32_t width, uint32_t height,
    uint8_t **out, size_t *out_size, char *message, size_t message_capacity
) {
    *out = NULL;
    *out_size = 0;
    nvpng_state *state = (nvpng_state *)calloc(1, sizeof(nvpng_state));
    if (state == NULL) return NVPNG_NO_MEMORY;
    png_structp png = png_create_write_struct(
        PNG_LIBPNG_VER_STRING, state, nvpng_error_fn, nvpng_warning_fn);
    if (png == NULL) {
        free(state);
        return NVPNG_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        free(state);
        return NVPNG_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        if (message != NULL && message_capacity > 0) {
            strncpy(message, state->message, message_capacity - 1);
            message[message_capacity - 1] = '\0';
        }
        png_destroy_write_struct(&png, &info);
        free(state->output);
        free(state);
        return NVPNG_CORRUPT;
    }
    png_set_write_fn(png, state, nvpng_write_fn, nvpng_flush_fn);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = state->output;
    *out_size = state->output_size;
    free(state);
    return NVPNG_OK;
}

static inline void nvpng_free(void *pointer) { free(pointer); }

#endif
