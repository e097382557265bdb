package helthjemtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/helthjemtest"
)

// The C2C guide's steps against the simulator: token, coverage, pickup
// dates, booking, returnCode; then a fault, and the journal that explains
// it. In a test, call NewServer(t, ...) and pass your *testing.T to the
// Server's methods; an Example has no test, so this one starts the server
// with Start and passes a stand-in (see exampleT below).
func Example() {
	// A fixed seed and a frozen clock make every id, code and date the same
	// in each run.
	srv, err := helthjemtest.Start(
		helthjemtest.WithSeed(1),
		helthjemtest.WithClock(time.Date(2026, 6, 16, 10, 0, 0, 0, time.UTC)),
	)
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	t := exampleT{}

	// post is your own code's HTTP client, in miniature.
	post := func(path, token string, body, out any) (status int) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusOK {
			if err := json.NewDecoder(res.Body).Decode(out); err != nil {
				panic(err)
			}
		}
		return res.StatusCode
	}

	// 1. Authorize.
	var tok struct {
		Token string `json:"token"`
	}
	post("/auth/oauth2/v1/token", "", map[string]string{
		"client_id":     helthjemtest.DefaultClientID,
		"client_secret": helthjemtest.DefaultClientSecret,
		"grant_type":    "client_credentials",
	}, &tok)

	// 2. Does Helthjem pick up at the sender's address (TS 23)?
	sender := map[string]any{
		"type": "consignor", "name": "Test sender", "address": "Herslebs gate 2F",
		"zipCode": "0561", "postalName": "Oslo", "countryCode": "NO", "phone1": "12345678", "email": "",
	}
	var coverage struct {
		ProductName string `json:"productName"`
	}
	post("/parcels/v1/addresses/find/single", tok.Token, map[string]any{
		"shopId": helthjemtest.DefaultShopID, "transportSolutionId": 23,
		"address": sender["address"], "zipCode": sender["zipCode"], "postalName": sender["postalName"], "countryCode": "NO",
	}, &coverage)
	fmt.Println("coverage:", coverage.ProductName)

	// 3. Pickup dates (freight product 26).
	var dates struct {
		Dates []string `json:"dates"`
	}
	post("/parcels/v1/addresses/find/single/dates", tok.Token, map[string]any{
		"shopId": helthjemtest.DefaultShopID, "freightProductId": 26, "customerName": sender["name"],
		"address": sender["address"], "zipCode": sender["zipCode"], "postalName": sender["postalName"], "countryCode": "NO",
	}, &dates)
	fmt.Println("first pickup date:", dates.Dates[0])

	// 4. Book, with the pickup date as an integer (20260617).
	var date int
	fmt.Sscan(strings.ReplaceAll(dates.Dates[0], "-", ""), &date)
	var booked struct {
		FreightProductID int `json:"freightProductId"`
		Items            []struct {
			ReturnCode string `json:"returnCode"`
		} `json:"items"`
	}
	post("/parcels/v1/bookings", tok.Token, map[string]any{
		"shopId": helthjemtest.DefaultShopID, "transportSolutionId": 23, "desiredDeliveryDate": date,
		"parties": []any{
			map[string]any{"type": "consignee", "name": "Test receiver", "address": "Vækerøveien 164d",
				"zipCode": "0751", "postalName": "Oslo", "countryCode": "NO", "phone1": "12345678", "email": "test@gmail.com"},
			sender,
		},
		"items": []any{map[string]any{"itemNumber": 1, "trackingReference": "", "weight": 1000}},
	}, &booked)
	fmt.Println("freight product:", booked.FreightProductID)

	// 5. The returnCode the sender writes on the parcel.
	// With WithSeed it is the same in every run; it is not printed here
	// only because it changes when the simulator's generator does.
	code := booked.Items[0].ReturnCode
	fmt.Println("returnCode like T-NXXW9:", regexp.MustCompile(`^T-[A-Z0-9]{5}$`).MatchString(code))

	// The simulator saw the booking.
	fmt.Println("orders:", len(srv.State(t).Orders))

	// 6. The next booking fails with a 503, once: does your code retry?
	srv.AddFault(t, helthjemtest.Fault{Operation: "createBooking", Fault: "503", Times: 1})
	status := post("/parcels/v1/bookings", tok.Token, map[string]any{}, nil)
	fmt.Println("booking under a fault:", status)

	// The journal says what each answer was, and why, newest first.
	last := srv.Requests(t)[0]
	fmt.Println("journal:", last.Operation, last.Status, last.Fault, last.ErrorKey == errorkey.ServiceUnavailable)

	// Output:
	// coverage: HELTHJEM_MEGTILDEG
	// first pickup date: 2026-06-17
	// freight product: 26
	// returnCode like T-NXXW9: true
	// orders: 1
	// booking under a fault: 503
	// journal: createBooking 503 rule-1: 503 true
}

// exampleT stands in for the *testing.T an Example lacks. The Server's
// methods call only Helper and Fatalf.
type exampleT struct {
	testing.TB // nil: any other method panics
}

func (exampleT) Helper()                           {}
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// A server that the tests of a package share, started in TestMain:
//
//	var srv *helthjemtest.Server
//
//	func TestMain(m *testing.M) {
//		var err error
//		if srv, err = helthjemtest.Start(helthjemtest.WithSeed(1)); err != nil {
//			log.Fatal(err)
//		}
//		code := m.Run()
//		srv.Close()
//		os.Exit(code)
//	}
//
// Each test then passes its own t: srv.State(t), srv.Advance(t, d).
func ExampleStart() {
	srv, err := helthjemtest.Start(helthjemtest.WithSeed(1))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	// Output: true
}
