// Package spec embeds the OpenAPI documents that drive mockhelthjem:
// helthjem.yaml (the carrier's API as simulated, the one routing table for
// requests) and sim.yaml (the simulator's own endpoints and /__sim/ control
// plane). It holds bytes only; internal/validate loads and checks them.
package spec

import _ "embed"

// Helthjem is spec/helthjem.yaml, the carrier API.
//
//go:embed helthjem.yaml
var Helthjem []byte

// Sim is spec/sim.yaml, the simulator's health and control endpoints.
//
//go:embed sim.yaml
var Sim []byte
