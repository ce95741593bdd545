# libxl/: the toolstack library (config model, domain builder, devices,
# xenstore, events).  Every .c here goes into libpvxl.a.
LIBXL_SRCS := $(wildcard libxl/*.c)
$(eval $(call archive,pvxl,$(LIBXL_SRCS)))
LIBPVXL := $(LIBDIR)/libpvxl.a
PV_ARCHIVES += $(LIBPVXL)
PV_LINK_LIBS += $(call PC,libs,$(PKGS_XEN) yajl) -lpthread

# test_dom_params fails strdup on purpose and records what is freed.
LDFLAGS_test_dom_params := -Wl,--wrap=strdup -Wl,--wrap=free

# test_dom_sched runs dom_sched.c against a fake hypervisor.
LDFLAGS_test_dom_sched := $(foreach f,xc_interface_open xc_interface_close \
    xc_physinfo xc_cputopoinfo xc_get_cpumap_size xc_get_nodemap_size xc_get_max_nodes \
    xc_domain_getinfolist xc_cpupool_getinfo xc_cpupool_infofree \
    xc_vcpu_setaffinity xc_domain_node_setaffinity xc_numainfo \
    xc_vcpu_getaffinity xc_domain_node_getaffinity \
    xc_sched_credit2_domain_get xc_sched_credit2_domain_set \
    xc_sched_credit_domain_get xc_sched_credit_domain_set \
    xc_sched_rtds_domain_get xc_sched_rtds_domain_set,-Wl,--wrap=$(f))
