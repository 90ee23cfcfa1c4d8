package awsfake

import (
	"encoding/base64"
	"sync"
	"testing"
	"time"
)

// SSM fakes the Parameter Store operations GetParameter and PutParameter of
// the AmazonSSM JSON 1.1 API. Its endpoint is s.URL.
type SSM struct {
	*Server
	mu     sync.Mutex
	params map[string]*ssmParameter
}

type ssmParameter struct {
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int64   `json:"Version"`
	ARN              string  `json:"ARN"`
	DataType         string  `json:"DataType"`
	LastModifiedDate float64 `json:"LastModifiedDate"` // epoch seconds
}

// NewSSM starts an SSM fake with no parameters.
func NewSSM(tb testing.TB) *SSM {
	tb.Helper()
	s := &SSM{Server: NewServer(tb, "AmazonSSM"), params: map[string]*ssmParameter{}}
	s.Handle("GetParameter", s.getParameter)
	s.Handle("PutParameter", s.putParameter)
	return s
}

// Put stores a parameter of type typ ("String", "SecureString").
func (s *SSM) Put(name, typ, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := int64(1)
	if p, ok := s.params[name]; ok {
		v = p.Version + 1
	}
	s.params[name] = &ssmParameter{
		Name: name, Type: typ, Value: value, Version: v, DataType: "text",
		ARN:              "arn:aws:ssm:eu-west-2:111122223333:parameter/" + trimSlash(name),
		LastModifiedDate: float64(time.Now().Unix()),
	}
}

func trimSlash(s string) string {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	return s
}

func (s *SSM) getParameter(body []byte) (any, *Error) {
	var in struct {
		Name           string
		WithDecryption bool
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Name == "" {
		return nil, &Error{Type: "ValidationException", Message: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"}
	}
	s.mu.Lock()
	p, ok := s.params[in.Name]
	var out ssmParameter
	if ok {
		out = *p
	}
	s.mu.Unlock()
	if !ok {
		// Real SSM answers with an empty message for this error.
		return nil, &Error{Type: "ParameterNotFound", Message: ""}
	}
	if out.Type == "SecureString" && !in.WithDecryption {
		// Without decryption SSM returns the KMS ciphertext, not the value.
		out.Value = base64.StdEncoding.EncodeToString(append([]byte("kms-ciphertext:"), out.Name...))
	}
	return map[string]any{"Parameter": out}, nil
}

func (s *SSM) putParameter(body []byte) (any, *Error) {
	var in struct {
		Name      string
		Type      string
		Value     string
		Overwrite bool
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	_, exists := s.params[in.Name]
	s.mu.Unlock()
	if exists && !in.Overwrite {
		return nil, &Error{Type: "ParameterAlreadyExists", Message: "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."}
	}
	if in.Type == "" {
		in.Type = "String"
	}
	s.Put(in.Name, in.Type, in.Value)
	s.mu.Lock()
	v := s.params[in.Name].Version
	s.mu.Unlock()
	return map[string]any{"Version": v, "Tier": "Standard"}, nil
}
