#ifndef NANOVLM_CLIBPNG_SHIM_H
#define NANOVLM_CLIBPNG_SHIM_H
#include <png.h>
#endif
