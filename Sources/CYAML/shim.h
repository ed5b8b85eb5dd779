#ifndef RECPIPE_CYAML_SHIM_H
#define RECPIPE_CYAML_SHIM_H
#include <yaml.h>
#endif
