/*
 * vec2face.h - the public C API of libvec2face (umbrella header).
 *
 * libvec2face turns face-recognition feature vectors (512-d, ArcFace style)
 * into 112x112 face images with the Vec2Face+ networks (arXiv 2507.17192),
 * run by libtorch from TorchScript files that the converter
 * (`python3 -m vec2face_torch.export`) writes.
 *
 * Lifecycle (one handle type per row; threads: common.h, "Threads")
 *   v2f_model_load()            ... v2f_model_free()     shared by threads
 *   v2f_attrop_new()            ... v2f_attrop_free()    one thread at a time
 *   v2f_sampler_fit(), v2f_sampler_new_isotropic(), v2f_sampler_load()
 *                               ... v2f_sampler_free()   shared by threads
 *   v2f_dataset_job_new()       ... v2f_dataset_job_free() one thread at a time
 *   v2f_npy_read(), v2f_npz_read(), v2f_identity_centres_from_*()
 *                               ... v2f_array_free()     one thread at a time
 *
 * Usage
 *   v2f_model *m = NULL;
 *   if (v2f_model_load("models/tiny", NULL, &m) != V2F_OK) {
 *       fprintf(stderr, "%s\n", v2f_last_error());
 *       return 1;
 *   }
 *   float vecs[4 * V2F_VECTOR_DIM] = {...};           // 4 identity vectors
 *   uint8_t *rgb = malloc(v2f_image_bytes(4));        // 4 x 112x112x3
 *   v2f_gen_opts o;
 *   v2f_gen_opts_init(&o, sizeof o);
 *   o.seed = 42;
 *   if (v2f_generate(m, vecs, 4, &o, rgb) == V2F_OK)
 *       v2f_image_write("face0.png", rgb, 112, 112, NULL);
 *   free(rgb);
 *   v2f_model_free(m);
 *
 * Modules (each header also compiles alone)
 *   common.h      versions, status codes, errors, log and progress
 *                 callbacks, sizes, arrays (.npy, .npz), the conventions
 *   model.h       loading a model directory, what it holds
 *   generate.h    vectors to images, masks, landmark images
 *   estimators.h  identity features, quality, head pose of face crops
 *   attrop.h      AttrOP: vectors optimised toward quality and pose
 *   identity.h    perturbation, identity sampling, centres, separability
 *   dataset.h     dataset recipes, jobs, verification, reports
 *   image.h       PNG and JPEG files
 */
#ifndef VEC2FACE_H
#define VEC2FACE_H

/* Module order is also the order tools/apigen reads them in. */
#include "common.h"
#include "model.h"
#include "generate.h"
#include "estimators.h"
#include "attrop.h"
#include "identity.h"
#include "dataset.h"
#include "image.h"

#endif /* VEC2FACE_H */
