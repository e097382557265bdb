package sim

import (
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// TokenLifetime is how long a token lives (the guide: 24 hours).
const TokenLifetime = 24 * time.Hour

// claims are the JWT's payload. The real claims are undocumented; these
// follow the legacy DI token (sub, iat, exp) plus the shops it grants, and
// a jti that makes every token unique.
type claims struct {
	Iss      string  `json:"iss"`
	Sub      string  `json:"sub"`
	ClientID string  `json:"client_id"`
	Shops    []int64 `json:"shops"`
	Iat      int64   `json:"iat"`
	Exp      int64   `json:"exp"`
	Jti      string  `json:"jti"`
}

// jtiSeq numbers the tokens a Server issues. A token's jti is the n-th
// image of a bijection keyed by key, so two tokens of one Server never
// share a jti, even for one client at one simulated instant (issue 12:
// such tokens were byte-identical), and the same seed and requests give
// the same jtis.
type jtiSeq struct {
	key uint64
	n   atomic.Uint64
}

// next returns the next jti: 16 hex digits.
func (j *jtiSeq) next() string {
	return fmt.Sprintf("%016x", mix64(j.key+j.n.Add(1)))
}

// jtiKey keys a Server's jtis. With a state file the Server may restart
// with the same seed and clock and number its tokens from 1 again, while
// the tokens it issued before are still valid; a random part then keeps
// the new jtis apart from the old ones.
func jtiKey(seed uint64, restartable bool) uint64 {
	key := mix64(seed ^ 0x6a74_69)
	if restartable {
		var b [8]byte
		_, _ = crand.Read(b[:])
		key ^= binary.LittleEndian.Uint64(b[:])
	}
	return key
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func (s *Server) sign(signingInput string) string {
	m := hmac.New(sha256.New, s.jwtKey)
	m.Write([]byte(signingInput))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issueToken returns a signed JWT for the client at now.
func (s *Server) issueToken(cl fixture.Client, now time.Time) string {
	payload, _ := json.Marshal(claims{
		Iss: "mockhelthjem", Sub: cl.ID, ClientID: cl.ID, Shops: cl.Shops,
		Iat: now.Unix(), Exp: now.Add(TokenLifetime).Unix(), Jti: s.jti.next(),
	})
	in := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return in + "." + s.sign(in)
}

// authenticate checks the bearer token and returns its client.
func (s *Server) authenticate(r *http.Request, now time.Time) (fixture.Client, *apierror.Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return fixture.Client{}, apierror.New(http.StatusUnauthorized, apierror.KeyAuthMissing,
			"send Authorization: Bearer <token> from /auth/oauth2/v1/token")
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return fixture.Client{}, apierror.New(http.StatusUnauthorized, apierror.KeyAuthInvalid,
			"the Authorization header must use the Bearer scheme")
	}
	tok = strings.TrimSpace(tok)
	invalid := apierror.New(http.StatusUnauthorized, apierror.KeyAuthInvalid, "the token is malformed or its signature is wrong")
	c, ok := s.tokens.get(tok)
	if !ok {
		var valid bool
		if c, valid = s.verify(tok); !valid {
			return fixture.Client{}, invalid
		}
		s.tokens.put(tok, c)
	}
	if now.Unix() >= c.Exp {
		return fixture.Client{}, apierror.New(http.StatusUnauthorized, apierror.KeyAuthExpired,
			"the token has expired; request a new one")
	}
	cl, ok := s.fx.Client(c.ClientID)
	if !ok {
		return fixture.Client{}, invalid
	}
	cl.Shops = c.Shops
	return cl, nil
}

// verify checks a token's signature and decodes its claims.
func (s *Server) verify(tok string) (claims, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return claims{}, false
	}
	want := s.sign(parts[0] + "." + parts[1])
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[2])) != 1 {
		return claims{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return claims{}, false
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return claims{}, false
	}
	return c, true
}

// tokenCache remembers the claims of tokens whose signature was checked:
// a signed token never changes, so only its expiry, against the simulated
// clock, needs checking again. It saves an HMAC and a JSON decode per call.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]claims
}

const tokenCacheSize = 4096

func (tc *tokenCache) get(tok string) (claims, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	c, ok := tc.m[tok]
	return c, ok
}

func (tc *tokenCache) put(tok string, c claims) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.m == nil || len(tc.m) >= tokenCacheSize {
		tc.m = make(map[string]claims, 64) // bounded: start over when full
	}
	tc.m[tok] = c
}

// checkShop answers 403 no.access.shop.id unless the token grants shop.
func checkShop(cl fixture.Client, shop int64) *apierror.Error {
	if cl.HasShop(shop) {
		return nil
	}
	return apierror.New(http.StatusForbidden, apierror.KeyNoAccessShop,
		"the token does not grant access to this shop").WithField("shopId", "not granted by the token")
}

// getToken is POST /auth/oauth2/v1/token.
func getToken(s *Server, c *call) (result, *apierror.Error) {
	var req tokenReq
	if aerr := decode(c.body, &req); aerr != nil {
		return result{}, aerr
	}
	if req.GrantType != "client_credentials" {
		return result{}, apierror.New(http.StatusBadRequest, apierror.KeyUnsupportedGrant,
			"grant_type must be client_credentials").WithField("grant_type", "must be client_credentials")
	}
	cl, found := s.fx.Client(req.ClientID)
	if !found || subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(req.ClientSecret)) != 1 {
		return result{}, apierror.New(http.StatusUnauthorized, apierror.KeyBadCredentials,
			"unknown client_id or wrong client_secret")
	}
	c.client = cl
	return ok(tokenResp{Token: s.issueToken(cl, c.now), ExpiresIn: int(TokenLifetime / time.Second), TokenType: "Bearer"}), nil
}

// AdminTokenHeader carries the admin token on a carrier API call that asks
// for a fault with X-Sim-Fault (its Authorization header holds the
// carrier's token). The control plane takes it too, as an alternative to
// Authorization: Bearer.
const AdminTokenHeader = "X-Sim-Admin-Token"

// checkAdmin requires the admin token: in AdminTokenHeader, or (when
// bearer is set, on the control plane) as a bearer token. A fault header
// without it gets the same 401 as the control plane without it, and no
// fault.
func checkAdmin(r *http.Request, token string, bearer bool) *apierror.Error {
	got, sent := r.Header.Get(AdminTokenHeader), r.Header.Get(AdminTokenHeader) != ""
	if h := r.Header.Get("Authorization"); bearer && !sent && h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return apierror.New(http.StatusUnauthorized, apierror.KeyAuthInvalid, "wrong admin token")
		}
		got, sent = tok, true
	}
	if !sent {
		if bearer {
			return apierror.New(http.StatusUnauthorized, apierror.KeyAuthMissing,
				"the control plane needs Authorization: Bearer <admin token> (or "+AdminTokenHeader+": <admin token>)")
		}
		return apierror.New(http.StatusUnauthorized, apierror.KeyAuthMissing,
			FaultHeader+" needs the admin token in "+AdminTokenHeader+": <admin token>").WithField(AdminTokenHeader, "is required with "+FaultHeader)
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
		e := apierror.New(http.StatusUnauthorized, apierror.KeyAuthInvalid, "wrong admin token")
		if !bearer {
			e.WithField(AdminTokenHeader, "is not the admin token")
		}
		return e
	}
	return nil
}
