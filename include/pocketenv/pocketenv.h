/*
 * pocketenv/pocketenv.h: umbrella header for libpocketenv, the C SDK for the Pocketenv
 * sandbox platform. Include this one header.
 */
#ifndef POCKETENV_POCKETENV_H
#define POCKETENV_POCKETENV_H

#include "common.h"
#include "types.h"
#include "client.h"
#include "sandbox.h"
#include "resources.h"
#include "transfer.h"
#include "util.h"

#endif
