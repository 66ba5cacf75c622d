//! Swagger UI from the files compiled into the binary (utoipa-swagger-ui's `vendored`
//! feature: nothing is downloaded, at build time or at run time).
//!
//! The page is served at the mount path itself (`/docs`), not below it: Swagger UI resolves
//! the relative `tokenUrl` `token` against the page's URL, so a page at `/docs` posts to
//! `/token` while one at `/docs/` would post to `/docs/token`. The page therefore refers to
//! its assets by absolute paths (`/docs/swagger-ui.css`, …). Nothing else is answered here:
//! `/docs/`, `/docs//` and `/docs/index.html` are the application's to answer (the tutorial
//! apps redirect the first two to `/docs`, as Starlette's trailing-slash rule does, and answer
//! 404 for the third, as FastAPI does).

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use utoipa_swagger_ui::Config;

/// A file (or redirect) to answer a docs request with. Copy [`status`](Self::status), every
/// header of [`headers`](Self::headers) and [`body`](Self::body) into the framework's response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocsFile {
    /// `200`, or `307` for a redirect to the page.
    pub status: u16,
    /// The media type (`None` for a redirect, which has no body).
    pub content_type: Option<String>,
    /// Where a redirect points.
    pub location: Option<String>,
    /// `gzip` when the asset is stored compressed (only with utoipa-swagger-ui's `gzip`
    /// feature).
    pub content_encoding: Option<&'static str>,
    /// The bytes; borrowed from the binary for the static assets.
    pub body: Cow<'static, [u8]>,
}

impl DocsFile {
    /// The response headers, lower-case names: `content-type`, `content-encoding`, `location`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("content-type", self.content_type.as_deref()),
            ("content-encoding", self.content_encoding),
            ("location", self.location.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
    }

    /// The file as an `http::Response`: its status, headers and bytes.
    #[must_use]
    pub fn to_http(&self) -> http::Response<Vec<u8>> {
        let mut out = http::Response::new(self.body.clone().into_owned());
        *out.status_mut() = http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::OK);
        for (name, value) in self.headers() {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                out.headers_mut().append(name, value);
            }
        }
        out
    }
}

/// The assets the page loads, in order: (file, HTML element).
const ASSETS: [(&str, Element); 7] = [
    ("swagger-ui.css", Element::Stylesheet),
    ("index.css", Element::Stylesheet),
    ("favicon-32x32.png", Element::Icon("32x32")),
    ("favicon-16x16.png", Element::Icon("16x16")),
    ("swagger-ui-bundle.js", Element::Script),
    ("swagger-ui-standalone-preset.js", Element::Script),
    ("swagger-initializer.js", Element::Script),
];

#[derive(Copy, Clone)]
enum Element {
    Stylesheet,
    Icon(&'static str),
    Script,
}

/// Swagger UI mounted at a path, showing one OpenAPI document.
#[derive(Clone)]
pub struct SwaggerUi {
    mount: String,
    spec_url: String,
    title: String,
    page: String,
    config: Arc<Config<'static>>,
}

impl fmt::Debug for SwaggerUi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwaggerUi")
            .field("mount", &self.mount)
            .field("spec_url", &self.spec_url)
            .field("title", &self.title)
            .finish_non_exhaustive()
    }
}

impl Default for SwaggerUi {
    /// The page at `/docs`, showing `/openapi.json`.
    fn default() -> Self {
        Self::new("/docs", "/openapi.json")
    }
}

impl SwaggerUi {
    /// Swagger UI at `mount` (such as `/docs`; a trailing `/` is ignored) showing the document
    /// served at `spec_url` (such as `/openapi.json`). Authorization is not persisted across
    /// page loads, so Logout really forgets the token.
    #[must_use]
    pub fn new(mount: &str, spec_url: &str) -> Self {
        let mount = mount.trim_end_matches('/');
        let mount = if mount.starts_with('/') {
            mount.to_owned()
        } else {
            format!("/{mount}")
        };
        let config = Config::new([spec_url.to_owned()])
            .use_base_layout()
            .persist_authorization(false)
            .show_extensions(true)
            .show_common_extensions(true);
        let mut ui = Self {
            mount,
            spec_url: spec_url.to_owned(),
            title: "Swagger UI".to_owned(),
            page: String::new(),
            config: Arc::new(config),
        };
        ui.page = ui.render_page();
        ui
    }

    /// Sets the page title (default `Swagger UI`).
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self.page = self.render_page();
        self
    }

    /// The path the page is served at (`/docs`).
    #[must_use]
    pub fn mount(&self) -> &str {
        &self.mount
    }

    /// The URL the page loads the document from (`/openapi.json`).
    #[must_use]
    pub fn spec_url(&self) -> &str {
        &self.spec_url
    }

    /// Whether `path` is the page or below it, so an adapter can route it here.
    #[must_use]
    pub fn claims(&self, path: &str) -> bool {
        path == self.mount
            || path
                .strip_prefix(self.mount.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// The answer to `GET path` (the request path, without the query): the page at the mount
    /// path, the assets below it, and `None`
    /// for anything else (answer 404).
    #[must_use]
    pub fn response(&self, path: &str) -> Option<DocsFile> {
        if path == self.mount {
            return Some(DocsFile {
                status: 200,
                content_type: Some("text/html; charset=utf-8".to_owned()),
                location: None,
                content_encoding: None,
                body: Cow::Owned(self.page.clone().into_bytes()),
            });
        }
        let tail = path.strip_prefix(self.mount.as_str())?.strip_prefix('/')?;
        if tail.is_empty() || tail.ends_with('/') || tail == "index.html" {
            return None;
        }
        // `serve` looks the name up among the embedded files, so nothing else is reachable.
        match utoipa_swagger_ui::serve(tail, Arc::clone(&self.config)) {
            Ok(Some(file)) => Some(DocsFile {
                status: 200,
                content_type: Some(file.content_type),
                location: None,
                content_encoding: file.gzpipped.then_some("gzip"),
                body: file.bytes,
            }),
            Ok(None) => None,
            // Only rendering the initializer's configuration can fail, and it is plain data.
            Err(_) => Some(DocsFile {
                status: 500,
                content_type: Some("text/plain; charset=utf-8".to_owned()),
                location: None,
                content_encoding: None,
                body: Cow::Borrowed(b"Swagger UI configuration could not be rendered"),
            }),
        }
    }

    fn render_page(&self) -> String {
        let base = escape(&self.mount);
        let mut head = String::new();
        let mut body = String::new();
        for (file, element) in ASSETS {
            match element {
                Element::Stylesheet => head.push_str(&format!(
                    "    <link rel=\"stylesheet\" type=\"text/css\" href=\"{base}/{file}\">\n"
                )),
                Element::Icon(sizes) => head.push_str(&format!(
                    "    <link rel=\"icon\" type=\"image/png\" href=\"{base}/{file}\" sizes=\"{sizes}\">\n"
                )),
                Element::Script => body.push_str(&format!(
                    "    <script src=\"{base}/{file}\" charset=\"UTF-8\"></script>\n"
                )),
            }
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"UTF-8\">\n    \
             <title>{title}</title>\n{head}  </head>\n  <body>\n    <div id=\"swagger-ui\"></div>\n\
             {body}  </body>\n</html>\n",
            title = escape(&self.title),
        )
    }
}

/// HTML-escapes text for an element or a quoted attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The answer to `GET path` for Swagger UI at `/docs` showing `/openapi.json` (see
/// [`SwaggerUi::response`]): `Some` for `/docs` (the page) and the assets under `/docs/`;
/// `None` otherwise.
#[must_use]
pub fn docs_response(path: &str) -> Option<DocsFile> {
    static UI: OnceLock<SwaggerUi> = OnceLock::new();
    UI.get_or_init(SwaggerUi::default).response(path)
}
