# The xl.cfg parser's fuzz target (owner: cfg).
FUZZ_SRCS_fuzz_cfg := libxl/cfg_lex.c libxl/cfg_parse.c libxl/cfg_diag.c \
                      libxl/suggest.c
