/* dcanas — peak activation memory of a network (shared by the constraint
 * module's files). */
#ifndef DCANAS_PEAK_MEMORY_H
#define DCANAS_PEAK_MEMORY_H
#include <dcanas/net.h>
/* Peak bytes of float32 activations alive at once; -1 when out of memory. */
double dcap_peak_memory(const dca_net *net);
#endif
