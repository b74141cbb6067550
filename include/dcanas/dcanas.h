/* dcanas — umbrella header. */
#ifndef DCANAS_DCANAS_H
#define DCANAS_DCANAS_H
#include <dcanas/error.h>
#include <dcanas/comm.h>
#include <dcanas/net.h>
#include <dcanas/space.h>
#include <dcanas/device.h>
#include <dcanas/constraint.h>
#include <dcanas/plugin.h>
#include <dcanas/experiment.h>
#include <dcanas/jsonfile.h>
#include <dcanas/limits.h>
#include <dcanas/tensor.h>
#include <dcanas/ops.h>
#include <dcanas/optim.h>
#include <dcanas/data.h>
#include <dcanas/model.h>
#include <dcanas/weights.h>
#include <dcanas/train.h>
#include <dcanas/optimizer.h>
#include <dcanas/search.h>
#include <dcanas/proxy.h>
#include <dcanas/network_fit.h>
#include <dcanas/profile.h>
#include <dcanas/export.h>
#endif
