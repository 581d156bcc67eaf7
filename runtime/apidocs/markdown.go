package apidocs

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md renders the CommonMark (with GitHub's tables, strikethrough and
// autolinks) of AsyncAPI descriptions. goldmark's HTML renderer is left in
// its safe mode: raw HTML in a description is dropped (it shows as an
// HTML comment saying so), and links or images with javascript:, vbscript:,
// file: or non-image data: URLs lose their URL, so a document cannot put
// markup or script on the page.
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// maxMarkdown bounds the text one description may have rendered; a longer
// one is shown as plain text.
const maxMarkdown = 1 << 20

// markdown renders a description as HTML blocks (paragraphs, lists, code,
// tables...); "" stays "".
func markdown(s string) template.HTML {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if len(s) > maxMarkdown {
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>")
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(s), &buf); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>")
	}
	// goldmark's safe renderer escapes text and attributes and drops raw
	// HTML, so its output is trusted here.
	return template.HTML(strings.TrimSpace(buf.String()))
}

// inlineMarkdown is markdown for text shown inside a line (a schema's or a
// parameter's description): a single paragraph loses its <p>.
func inlineMarkdown(s string) template.HTML {
	h := string(markdown(s))
	if inner, ok := strings.CutPrefix(h, "<p>"); ok {
		if inner, ok := strings.CutSuffix(inner, "</p>"); ok && !strings.Contains(inner, "<p>") {
			return template.HTML(inner)
		}
	}
	return template.HTML(h)
}
