/* A module whose entry returns NULL. */
#include "config.h"
#include <stddef.h>
const void *dca_module_entry(void);
const void *dca_module_entry(void) { return NULL; }
