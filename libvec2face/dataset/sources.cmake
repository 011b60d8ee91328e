# The dataset layer (C11): recipes, sharded resumable jobs, verification.
set(V2F_DATASET_SOURCES
  libvec2face/dataset/layout.c
  libvec2face/dataset/recipe.c
  libvec2face/dataset/manifest.c
  libvec2face/dataset/job.c
  libvec2face/dataset/job_writer.c
  libvec2face/dataset/lock.c
  libvec2face/dataset/verify.c
  libvec2face/dataset/merge.c
  libvec2face/dataset/merge_files.c
  libvec2face/dataset/merge_parts.c
  libvec2face/dataset/report.c
  libvec2face/dataset/report_json.c
  libvec2face/dataset/report_html.c
  libvec2face/dataset/report_sheet.c
  libvec2face/dataset/report_dropped.c
)
