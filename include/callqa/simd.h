/*
 * simd.h: the few hot loops of callqa-measure (pitch correlations, the
 * high-pass) are written on 8-float vectors (GCC/Clang vector extensions,
 * lowered to SSE pairs where AVX is not enabled) and, on x86-64, compiled
 * twice, for x86-64-v3 (AVX2, FMA) and for the baseline; the loader picks
 * the one the processor runs (target_clones, an ifunc).  Not under
 * AddressSanitizer, whose start-up runs after ifunc resolution, nor with
 * -DCALLQA_NO_CLONES (the baseline only).
 *
 * The build is ISO C (-std=c11), so multiply-adds are never fused behind
 * our back: both versions compute the same numbers, bit for bit.
 */
#ifndef CALLQA_SIMD_H
#define CALLQA_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(CALLQA_NO_CLONES)
#define SIMD_CLONES \
	__attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SIMD_CLONES
#endif

#include <math.h>

/*
 * Helpers of the cloned functions: always inlined, so that each clone has
 * its own copy compiled for its processor (a helper left out of line is
 * compiled for the baseline only).
 */
#if defined(__GNUC__)
#define SIMD_INLINE static inline __attribute__((always_inline))
#else
#define SIMD_INLINE static inline
#endif

typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32))); /* lane masks */

/* Lane-wise maximum in place: *a = max(*a, *b), *b where *a is NaN.
 * (Vectors by pointer here: the baseline ABI passes no AVX ones.) */
SIMD_INLINE void
v8sf_max(v8sf *a, const v8sf *b)
{
	v8si m = *a > *b;

	*a = (v8sf)(((v8si)*a & m) | ((v8si)*b & ~m));
}

/* Lane-wise square root in place: the compiler makes one (v)sqrtps of
 * the loop. */
SIMD_INLINE void
v8sf_sqrt(v8sf *x)
{
	int j;

	for (j = 0; j < 8; j++)
		(*x)[j] = sqrtf((*x)[j]);
}

#endif
