package helthjemtest

import "testing"

func TestDescribe(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"not the error shape", 502, "upstream gone\n", "502 Bad Gateway: upstream gone"},
		{"no errorKey", 400, `{"message":"bad"}`, `400 Bad Request: {"message":"bad"}`},
		{"key only", 401, `{"errorKey":"authentication.missing"}`, "401 Unauthorized: authentication.missing"},
		{"fields sorted, each with its reason", 400,
			`{"errorKey":"invalid.request","message":"the request does not match","errorMap":{"shopId":"must be positive","items[0].weight":"is required"}}`,
			"400 Bad Request: invalid.request: the request does not match (items[0].weight is required) (shopId must be positive)"},
		// TestInvalidFaultMessageNotRepeated, by the unit: the fault's
		// reason is the message, and was printed twice.
		{"reason that repeats the message", 400,
			`{"errorKey":"invalid.fault","message":"status must be 429, 500, 502, 503 or 504","errorMap":{"fault":"status must be 429, 500, 502, 503 or 504"}}`,
			"400 Bad Request: invalid.fault: status must be 429, 500, 502, 503 or 504 (fault)"},
		{"one reason repeats, one does not", 400,
			`{"errorKey":"invalid.fault","message":"bad fault","errorMap":{"fault":"bad fault","operation":"unknown operationId"}}`,
			"400 Bad Request: invalid.fault: bad fault (fault) (operation unknown operationId)"},
		{"empty reason", 400, `{"errorKey":"invalid.request","message":"m","errorMap":{"query":""}}`,
			"400 Bad Request: invalid.request: m (query)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(tc.status, []byte(tc.body)); got != tc.want {
				t.Errorf("describe(%d, %s)\n got %q\nwant %q", tc.status, tc.body, got, tc.want)
			}
		})
	}
}
