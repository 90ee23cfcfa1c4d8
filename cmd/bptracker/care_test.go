package main_test

import (
	"strings"
	"testing"
	"time"
)

// enrolled signs a new account in for the first time (MFA setup) and
// returns its client, id and TOTP secret.
func enrolled(t *testing.T, base, email string) (*client, string, string) {
	t.Helper()
	c := newClient(t, base)
	var step map[string]string
	c.expect(200, "POST", "/api/v1/session", map[string]string{"email": email, "password": pw}).json(t, &step)
	var out struct {
		User struct{ ID string } `json:"user"`
	}
	c.expect(200, "POST", "/api/v1/session/mfa", map[string]string{"code": code(t, step["totp_secret"], time.Now())}).json(t, &out)
	return c, out.User.ID, step["totp_secret"]
}

// TestCareTeam is the care-team journey through the real binary: grants,
// revocation, expiry, invitations, the provider panel, break-glass, the
// patient's access log, disabling a live session, and erasure.
func TestCareTeam(t *testing.T) {
	data := t.TempDir()
	for _, u := range [][]string{
		{"ann@example.org", "patient", "Ann Patient"}, {"ben@example.org", "patient", "Ben Patient"},
		{"dr.lee@example.org", "provider", "Dr Lee"}, {"carl@example.org", "caregiver", "Carl Carer"},
		{"ada@example.org", "admin", "Ada Admin"},
	} {
		if out, err := bpt(t, pw+"\n", "user", "add", "--data", data, "--email", u[0], "--role", u[1], "--name", u[2]); err != nil {
			t.Fatalf("user add %s: %v %s", u[1], err, out)
		}
	}
	srv := startServer(t, data)
	ann, annID, _ := enrolled(t, srv.url, "ann@example.org")
	ben, _, benSecret := enrolled(t, srv.url, "ben@example.org")
	lee, _, _ := enrolled(t, srv.url, "dr.lee@example.org")
	carl, carlID, _ := enrolled(t, srv.url, "carl@example.org")
	ada, _, _ := enrolled(t, srv.url, "ada@example.org")

	reading := map[string]any{"taken_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "systolic": 142, "diastolic": 91}
	ann.expect(201, "POST", "/api/v1/patients/me/readings", reading)
	annReadings := "/api/v1/patients/" + annID + "/readings"

	// The provider sees nothing before the grant, and the patient is not on
	// the panel.
	lee.expect(404, "GET", annReadings, nil)
	var panel struct {
		Patients []struct {
			ID    string   `json:"id"`
			Name  string   `json:"name"`
			Flags []string `json:"flags"`
		} `json:"patients"`
	}
	lee.expect(200, "GET", "/api/v1/patients", nil).json(t, &panel)
	if len(panel.Patients) != 0 {
		t.Fatalf("panel before any grant = %+v", panel.Patients)
	}
	var g struct {
		Grant struct{ ID string } `json:"grant"`
	}
	ann.expect(201, "POST", "/api/v1/patients/me/grants", map[string]any{"grantee_email": "dr.lee@example.org", "role": "provider", "access": "read"}).json(t, &g)
	lee.expect(200, "GET", annReadings, nil)
	lee.expect(404, "POST", annReadings, reading) // read access cannot write
	lee.expect(200, "GET", "/api/v1/patients", nil).json(t, &panel)
	if len(panel.Patients) != 1 || panel.Patients[0].ID != annID || panel.Patients[0].Name != "Ann Patient" {
		t.Fatalf("panel = %+v, want Ann", panel.Patients)
	}
	lee.expect(200, "GET", "/api/v1/patients?flag=above_target", nil).json(t, &panel)
	if len(panel.Patients) != 1 { // 142/91 is above the default 110–130
		t.Fatalf("panel filtered by above_target = %+v", panel.Patients)
	}
	lee.expect(200, "GET", "/api/v1/patients?flag=no_reading_14d", nil).json(t, &panel)
	if len(panel.Patients) != 0 {
		t.Fatalf("panel filtered by no_reading_14d = %+v", panel.Patients)
	}
	lee.expect(400, "GET", "/api/v1/patients?sort=age", nil)
	lee.expect(200, "PATCH", "/api/v1/patients/"+annID+"/settings", map[string]any{"target": map[string]int{"systolic_low": 110, "systolic_high": 135}})

	// A caregiver with read access reads but cannot write.
	ann.expect(201, "POST", "/api/v1/patients/me/grants", map[string]any{"grantee_email": "carl@example.org", "role": "caregiver", "access": "read"})
	carl.expect(200, "GET", annReadings, nil)
	carl.expect(404, "POST", annReadings, reading)

	// Revocation takes effect on the next request.
	ann.expect(204, "DELETE", "/api/v1/patients/me/grants/"+g.Grant.ID, nil)
	lee.expect(404, "GET", annReadings, nil)

	// An expired grant stops working by itself.
	ann.expect(201, "POST", "/api/v1/patients/me/grants", map[string]any{"grantee_email": "dr.lee@example.org", "role": "provider", "access": "read",
		"expires_at": time.Now().Add(1500 * time.Millisecond).Format(time.RFC3339Nano)})
	lee.expect(200, "GET", annReadings, nil)
	time.Sleep(2 * time.Second)
	lee.expect(404, "GET", annReadings, nil)

	// Sharing with someone who has no account creates a single-use invitation.
	var inv struct {
		Invitation struct{ URL string } `json:"invitation"`
	}
	ann.expect(201, "POST", "/api/v1/patients/me/grants", map[string]any{"grantee_email": "dana@example.org", "role": "caregiver", "access": "write"}).json(t, &inv)
	codeInv := inv.Invitation.URL[strings.LastIndex(inv.Invitation.URL, "/")+1:]
	anon := newClient(t, srv.url)
	anon.expect(201, "POST", "/api/v1/invitations/"+codeInv+"/accept", map[string]string{"password": pw, "name": "Dana Daughter"})
	anon.expect(404, "POST", "/api/v1/invitations/"+codeInv+"/accept", map[string]string{"password": pw})
	dana, _, _ := enrolled(t, srv.url, "dana@example.org")
	dana.expect(201, "POST", annReadings, reading) // the invitation carried write access

	// The admin reads no health data until break-glass, which needs a reason.
	ada.expect(404, "GET", annReadings, nil)
	ada.expect(400, "POST", "/api/v1/admin/break-glass", map[string]string{"patient_id": annID, "reason": "x"})
	var bg struct {
		BreakGlass struct{ ID string } `json:"break_glass"`
	}
	ada.expect(201, "POST", "/api/v1/admin/break-glass", map[string]string{"patient_id": annID, "reason": "Patient unconscious in A&E; treating team asked for home readings"}).json(t, &bg)
	ada.expect(200, "GET", annReadings, nil)
	ada.expect(404, "POST", annReadings, reading) // break-glass is read-only
	ada.expect(204, "DELETE", "/api/v1/admin/break-glass/"+bg.BreakGlass.ID, nil)
	ada.expect(404, "GET", annReadings, nil)

	// The patient sees each access with its grant or reason.
	var log struct {
		Events []struct {
			ActorName string `json:"actor_name"`
			ActorRole string `json:"actor_role"`
			Action    string `json:"action"`
			Via       string `json:"via"`
			Reason    string `json:"reason"`
		} `json:"events"`
	}
	ann.expect(200, "GET", "/api/v1/patients/me/access-log", nil).json(t, &log)
	var sawLee, sawAda, sawCarl bool
	for _, e := range log.Events {
		switch {
		case e.ActorName == "Dr Lee" && e.Action == "reading.list" && strings.HasPrefix(e.Via, "grant:"):
			sawLee = true
		case e.ActorName == "Ada Admin" && e.Action == "reading.list" && strings.HasPrefix(e.Via, "break-glass:") && strings.Contains(e.Reason, "unconscious"):
			sawAda = true
		case e.ActorName == "Carl Carer" && strings.HasPrefix(e.Via, "grant:"):
			sawCarl = true
		}
	}
	if !sawLee || !sawAda || !sawCarl {
		t.Fatalf("access log lacks provider %v / break-glass with reason %v / carer %v: %+v", sawLee, sawAda, sawCarl, log.Events)
	}
	lee.expect(404, "GET", "/api/v1/patients/"+annID+"/access-log", nil)

	// Disabling a user ends their live session at once.
	carl.expect(200, "GET", "/api/v1/session", nil)
	ada.expect(200, "PATCH", "/api/v1/admin/users/"+carlID, map[string]string{"status": "disabled"})
	carl.expect(401, "GET", "/api/v1/session", nil)
	var users struct {
		Users []struct{ Email, Role, Status string } `json:"users"`
	}
	ada.expect(200, "GET", "/api/v1/admin/users?role=caregiver", nil).json(t, &users)
	for _, u := range users.Users {
		if u.Email == "carl@example.org" && u.Status != "disabled" {
			t.Fatalf("carl's status = %q", u.Status)
		}
	}
	lee.expect(403, "GET", "/api/v1/admin/users", nil)
	r := ada.expect(200, "GET", "/api/v1/admin/audit?action=breakglass.open&format=csv", nil)
	if !strings.Contains(string(r.body), "breakglass.open") || strings.Contains(string(r.body), "142") {
		t.Fatalf("audit CSV = %s", r.body)
	}

	// Erasure: the patient confirms with password and a code; the account
	// and its data are gone, the audit trail stays whole.
	ben.expect(201, "POST", "/api/v1/patients/me/readings", reading)
	ben.expect(400, "DELETE", "/api/v1/me", map[string]string{"password": "wrong wrong wrong", "code": "000000"})
	ben.expect(204, "DELETE", "/api/v1/me", map[string]string{"password": pw, "code": code(t, benSecret, time.Now().Add(30*time.Second))})
	ben.expect(401, "GET", "/api/v1/session", nil)
	anon.expect(401, "POST", "/api/v1/session", map[string]string{"email": "ben@example.org", "password": pw})
	srv.stop()
	if out, err := bpt(t, "", "audit", "verify", "--data", data); err != nil {
		t.Fatalf("audit verify after erasure: %v %s", err, out)
	}
}
