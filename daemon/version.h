/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The version sansod reports and sansoctl prints. */
#ifndef SANSO_VERSION_H
#define SANSO_VERSION_H

#ifndef SANSO_VERSION
#define SANSO_VERSION	"0.1.0"
#endif

#endif
