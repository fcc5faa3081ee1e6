package web

import (
	"context"
	"io"
	"sync"

	"github.com/a-h/templ"
)

// A few fragments that most pages repeat many times (a flow table's rows,
// a listing's facets) are written by hand instead of by templ: templ's
// generated code pays for every expression (fmt.Sprint of the string,
// html.EscapeString through a strings.Replacer, and for every nested
// component a component value with its own context). Each such fragment
// has its templ form beside it, which a test holds its bytes to
// (flowRowsReference, facetSectionsReference).

// markup is HTML being appended to a buffer, escaped as templ escapes it.
type markup struct {
	ctx context.Context
	b   []byte
}

// handWritten is the component that writes what fill appends to a markup,
// in one write. size is about how many bytes it takes, for a new buffer.
func handWritten(size int, fill func(m *markup)) templ.Component {
	return handWrittenErr(size, func(m *markup) error {
		fill(m)
		return nil
	})
}

// handWrittenErr is handWritten for a fill that can fail (it renders other
// components into the markup): nothing is written then.
func handWrittenErr(size int, fill func(m *markup) error) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := &markup{ctx: ctx}
		if p, _ := markupBufs.Get().(*[]byte); p != nil {
			m.b = *p
		} else {
			m.b = make([]byte, 0, size)
		}
		err := fill(m)
		if err == nil {
			_, err = w.Write(m.b)
		}
		if cap(m.b) <= maxPooledMarkup {
			b := m.b[:0]
			markupBufs.Put(&b)
		}
		return err
	})
}

// markupBufs are the buffers (*[]byte) hand-written fragments were written
// into, for the next: a fragment is written into memory that earlier ones
// grew, not into a new buffer each time. A buffer grown past
// maxPooledMarkup is dropped.
var markupBufs sync.Pool

const maxPooledMarkup = 1 << 20

// Write appends p as it is: a component renders into a markup as into any
// writer.
func (m *markup) Write(p []byte) (int, error) {
	m.b = append(m.b, p...)
	return len(p), nil
}

// raw appends markup as it is.
func (m *markup) raw(s string) { m.b = append(m.b, s...) }

// text appends s escaped, as text or an attribute's value.
func (m *markup) text(s string) { m.b = appendHTML(m.b, s) }

// href appends the internal link u as templ writes href={ href(ctx, u) }.
func (m *markup) href(u string) { m.text(string(href(m.ctx, u))) }

// message appends t(ctx, key, arg), escaped, without building the string
// when the message is its argument between a fixed prefix and suffix.
func (m *markup) message(key, arg string) {
	if pre, suf, ok := catalogue().Around(uiLang(m.ctx), key); ok {
		m.text(pre)
		m.text(arg)
		m.text(suf)
		return
	}
	m.text(t(m.ctx, key, arg))
}

// appendHTML appends s to b escaped exactly as html.EscapeString escapes
// it: & ' < > " as &amp; &#39; &lt; &gt; &#34;.
func appendHTML(b []byte, s string) []byte {
	from := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&#34;"
		default:
			continue
		}
		b = append(b, s[from:i]...)
		b = append(b, rep...)
		from = i + 1
	}
	return append(b, s[from:]...)
}
