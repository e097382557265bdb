package sim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// KeyStateWrite is the errorKey when the state file cannot be written: the
// change is not applied, so nothing unrecorded is ever acknowledged.
const KeyStateWrite = "state.write.failed"

// gen is the id generators' state: the seeded PCG behind gofakeit and the
// two counters. It is recorded with every change so a restart continues
// the same sequence.
type gen struct {
	PCG    []byte `json:"pcg"`
	Serial uint64 `json:"serial"`
	NextID int64  `json:"nextOrderId"`
}

// newGenLocked seeds the generators. gofakeit.NewFaker over our own PCG is
// what gofakeit.New(seed) builds; keeping the PCG lets us save its state.
func (s *Server) newGenLocked() {
	s.pcg = rand.NewPCG(s.seed, s.seed)
	s.rng = gofakeit.NewFaker(s.pcg, false) // s.mu guards it
	s.serial = 300_000_000 + uint64(s.rng.IntN(90_000_000))
	s.nextID = 227_000_000 + int64(s.rng.IntN(1_000_000))
}

func (s *Server) genLocked() gen {
	b, _ := s.pcg.MarshalBinary()
	return gen{PCG: b, Serial: s.serial, NextID: s.nextID}
}

func (s *Server) setGenLocked(g gen) error {
	if err := s.pcg.UnmarshalBinary(g.PCG); err != nil {
		return fmt.Errorf("generator state: %w", err)
	}
	s.serial, s.nextID = g.Serial, g.NextID
	return nil
}

// record is one line of the state file.
type record struct {
	Type   string     `json:"type"` // meta, put, clock, reset
	Meta   *metaRec   `json:"meta,omitempty"`
	Orders []orderRec `json:"orders,omitempty"`
	Gen    *gen       `json:"gen,omitempty"`
	Clock  *clockRec  `json:"clock,omitempty"`
	Client string     `json:"clientId,omitempty"` // reset of one client
	At     time.Time  `json:"at"`
}

type metaRec struct {
	Version int    `json:"version"`
	JWTKey  string `json:"jwtKey,omitempty"` // a generated key, so tokens survive a restart
	Seed    uint64 `json:"seed"`
}

type clockRec struct {
	Start  time.Time     `json:"start"`
	Frozen bool          `json:"frozen"`
	Offset time.Duration `json:"offset"`
}

// orderRec is an order as stored, with links as orderIds.
type orderRec struct {
	ClientID       string          `json:"clientId"`
	ShopID         int64           `json:"shopId"`
	OrderID        int64           `json:"orderId"`
	ShipmentID     string          `json:"shipmentId"`
	TS             int             `json:"ts"`
	FP             int             `json:"fp"`
	ServicePointID string          `json:"servicePointId,omitempty"`
	BookedAt       time.Time       `json:"bookedAt"`
	Items          []orderItem     `json:"items"`
	Events         []event         `json:"events"`
	Req            json.RawMessage `json:"req,omitempty"`
	Desired        *calendar.Date  `json:"desired,omitempty"`
	BookedPoint    string          `json:"bookedPoint,omitempty"`
	Conv           *bookingResp    `json:"conv,omitempty"`
	Replaces       int64           `json:"replaces,omitempty"`
	ReplacedBy     int64           `json:"replacedBy,omitempty"`
}

func (o *order) rec() orderRec {
	r := orderRec{
		ClientID: o.ClientID, ShopID: o.ShopID, OrderID: o.OrderID, ShipmentID: o.ShipmentID,
		TS: o.TS, FP: o.FP, ServicePointID: o.ServicePointID,
		BookedAt: o.BookedAt, Items: o.Items, Events: o.Events,
		Req: o.Req, Desired: o.Desired, BookedPoint: o.BookedPoint, Conv: o.Conv,
	}
	if o.Replaces != nil {
		r.Replaces = o.Replaces.OrderID
	}
	if o.ReplacedBy != nil {
		r.ReplacedBy = o.ReplacedBy.OrderID
	}
	return r
}

// persistLocked records a change before it is acknowledged. Without a
// state file it does nothing.
func (s *Server) persistLocked(r record) *apierror.Error {
	if s.file == nil {
		return nil
	}
	r.At = s.clock.now()
	if err := s.file.Append(r); err != nil {
		s.log.Error("state file write failed", "error", err.Error())
		return apierror.New(http.StatusInternalServerError, KeyStateWrite, "the change could not be recorded and was not applied")
	}
	return nil
}

func (s *Server) clockRecLocked() *clockRec {
	return &clockRec{Start: s.clock.start, Frozen: s.clock.frozen, Offset: s.clock.offset}
}

// openState replays the state file and compacts it to one record per
// live order. Called from New before the server is shared.
func (s *Server) openState(path string) error {
	var meta *metaRec
	first := true
	f, info, err := journal.Open(path, journal.Options{Logger: s.log}, func(raw json.RawMessage) error {
		var r record
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if first && r.Type != "meta" {
			// Every state file starts with its meta record: anything else
			// is some other file, which must not be overwritten.
			return errors.New("not a mockhelthjem state file (no meta record first)")
		}
		first = false
		if r.Type == "meta" {
			if r.Meta == nil || r.Meta.Version != 1 {
				return errors.New("unsupported state file version")
			}
			meta = r.Meta
			return nil
		}
		return s.applyLocked(r)
	})
	if err != nil {
		return err
	}
	s.file = f
	if meta != nil {
		key, err := base64.StdEncoding.DecodeString(meta.JWTKey)
		if err == nil && len(s.opts.JWTKey) == 0 && len(key) > 0 {
			s.jwtKey = key
		}
	}
	s.log.Info("state file loaded", "path", path, "records", info.Replayed, "orders", len(s.st.orders), "torn_record_dropped", info.TornBytes > 0)
	if err := s.compactLocked(); err != nil {
		// New fails, so nobody would ever Close the file.
		s.file = nil
		return errors.Join(err, f.Close())
	}
	return nil
}

// metaLocked is the state file's meta record. A generated signing key is
// kept so tokens survive a restart; a configured one (-jwt-secret) is the
// operator's secret and is never written.
func (s *Server) metaLocked() *metaRec {
	m := &metaRec{Version: 1, Seed: s.seed}
	if len(s.opts.JWTKey) == 0 {
		m.JWTKey = base64.StdEncoding.EncodeToString(s.jwtKey)
	}
	return m
}

// compactLocked rewrites the state file as meta, clock and one put.
func (s *Server) compactLocked() error {
	recs := []any{
		record{Type: "meta", Meta: s.metaLocked(), At: s.clock.now()},
		record{Type: "clock", Clock: s.clockRecLocked(), At: s.clock.now()},
	}
	g := s.genLocked()
	put := record{Type: "put", Gen: &g, At: s.clock.now()}
	for _, o := range s.st.orders {
		put.Orders = append(put.Orders, o.rec())
	}
	recs = append(recs, put)
	return s.file.Rewrite(recs)
}

// applyLocked replays one record.
func (s *Server) applyLocked(r record) error {
	switch r.Type {
	case "put":
		for _, or := range r.Orders {
			s.putLocked(or)
		}
		// Links resolve once every order of the record is in.
		for _, or := range r.Orders {
			o := s.st.byOrderID[or.OrderID]
			o.Replaces, o.ReplacedBy = s.st.byOrderID[or.Replaces], s.st.byOrderID[or.ReplacedBy]
		}
	case "clock":
		if r.Clock == nil {
			return errors.New("clock record without clock")
		}
	case "reset":
		if r.Client != "" {
			s.st.removeClient(r.Client)
		} else {
			s.st = newState()
		}
	default:
		return fmt.Errorf("unknown record type %q", r.Type)
	}
	if r.Clock != nil {
		s.clock.restore(*r.Clock)
	}
	if r.Gen != nil {
		return s.setGenLocked(*r.Gen)
	}
	return nil
}

// putLocked inserts or replaces an order from its record.
func (s *Server) putLocked(r orderRec) {
	o := s.st.byOrderID[r.OrderID]
	fresh := o == nil
	if fresh {
		o = &order{}
	}
	*o = order{
		ClientID: r.ClientID, ShopID: r.ShopID, OrderID: r.OrderID, ShipmentID: r.ShipmentID,
		TS: r.TS, FP: r.FP, ServicePointID: r.ServicePointID,
		BookedAt: r.BookedAt, Items: r.Items, Events: r.Events,
		Req: r.Req, Desired: r.Desired, BookedPoint: r.BookedPoint, Conv: r.Conv,
		Replaces: o.Replaces, ReplacedBy: o.ReplacedBy,
	}
	if fresh {
		s.st.add(o)
	} else {
		s.st.index(o)
	}
}

// Close closes the state file, if any.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}
