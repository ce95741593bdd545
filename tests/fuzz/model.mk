# Fuzz targets of the config model (owner: model).
MODEL_FUZZ_COMMON := libxl/domcfg.c libxl/domcfg_json.c libxl/suggest.c
FUZZ_SRCS_fuzz_disk_spec := libxl/disk_spec.c $(MODEL_FUZZ_COMMON)
FUZZ_LDLIBS_fuzz_disk_spec := -lyajl
FUZZ_SRCS_fuzz_vif_spec := libxl/vif_spec.c $(MODEL_FUZZ_COMMON)
FUZZ_LDLIBS_fuzz_vif_spec := -lyajl
FUZZ_SRCS_fuzz_domcfg := libxl/domcfg_parse.c libxl/domcfg_parse_dev.c \
    libxl/cpulist.c libxl/disk_spec.c libxl/vif_spec.c libxl/cfg_lex.c \
    libxl/cfg_parse.c libxl/cfg_diag.c $(MODEL_FUZZ_COMMON)
FUZZ_LDLIBS_fuzz_domcfg := -lyajl
