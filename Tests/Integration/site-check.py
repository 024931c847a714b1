#!/usr/bin/env python3
"""The website as a visitor's browser meets it, without the browser: every page reachable from BASE/ is
fetched, every internal link, stylesheet, image and feed it names must answer 200, every #fragment must
be an id on its page, media types and Cache-Control must be right, no page may be raw Markdown or carry a
script, and the Atom feed must hold what RFC 4287 requires.

    site-check.py BASE [PAGES_FILE]     (PAGES_FILE: the HTML pages found, one URL a line, for the browser)

Exit status 0 when all is well; every problem is printed."""
import sys, re, urllib.request, urllib.error, urllib.parse, xml.etree.ElementTree as ET
from html.parser import HTMLParser
from datetime import datetime

BASE = sys.argv[1].rstrip('/') + '/'
ORIGIN = urllib.parse.urlsplit(BASE)[:2]
problems = []

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.scripts = [], set(), 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a: self.ids.add(a['id'])
        if tag == 'script': self.scripts += 1
        self.scripts += sum(1 for k in a if k.startswith('on'))  # onclick= and the like are scripts too
        for key in ('href', 'src'):
            if key in a and a[key] is not None: self.links.append((tag, a[key]))

def fetch(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=15) as r:
            headers = dict((k.lower(), v) for k, v in r.headers.items())
            headers['final-url'] = r.geturl()  # after any redirect: what relative links resolve against
            return r.status, headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {}, b''
    except Exception as e:
        return None, {}, str(e).encode()

EXPECTED_TYPES = {'.html': 'text/html', '.css': 'text/css', '.atom': 'application/atom+xml', '.png': 'image/png',
                  '.json': 'application/json', '.xml': 'application/xml', '/': 'text/html'}

pages, seen, queue, fragments = {}, set(), [BASE], []
while queue:
    url = queue.pop(0)
    if url in seen: continue
    seen.add(url)
    status, headers, body = fetch(url)
    if status != 200:
        problems.append(f'{url}: {status} ({body[:80]!r})' if status is None else f'{url}: status {status}')
        continue
    ctype = headers.get('content-type', '')
    path = urllib.parse.urlsplit(url).path
    for suffix, want in EXPECTED_TYPES.items():
        if path.endswith(suffix) and not ctype.startswith(want):
            problems.append(f'{url}: Content-Type {ctype!r}, expected {want}')
    if 'markdown' in ctype: problems.append(f'{url}: served as Markdown ({ctype})')
    want_cache = 'no-cache' if ctype.startswith(('text/html', 'application/atom+xml', 'application/xml', 'application/json', 'text/plain')) else 'max-age=3600'
    if headers.get('cache-control') != want_cache: problems.append(f'{url}: Cache-Control {headers.get("cache-control")!r}, expected {want_cache}')
    if not ctype.startswith('text/html'): continue
    parser = Links()
    text = body.decode('utf-8')
    parser.feed(text)
    # Markdown the renderer left as it was: a heading or emphasis marker in the text outside code.
    visible = re.sub(r'<pre.*?</pre>|<code>.*?</code>', '', text, flags=re.S)
    raw = re.search(r'\n#{1,6} \S|\*\*\S', visible)
    if raw: problems.append(f'{url}: raw Markdown left in the page: {visible[max(raw.start() - 40, 0):raw.start() + 40]!r}')
    pages[url] = parser.ids
    if parser.scripts: problems.append(f'{url}: {parser.scripts} script elements (the site must work without JavaScript)')
    for tag, link in parser.links:
        target = urllib.parse.urljoin(headers['final-url'], link)
        parts = urllib.parse.urlsplit(target)
        if parts.scheme not in ('http', 'https', 'mailto'): problems.append(f'{url}: a {parts.scheme}: link ({link[:60]})')
        if parts[:2] != ORIGIN: continue  # another site: not ours to check
        plain = urllib.parse.urlunsplit(parts._replace(fragment=''))
        if parts.fragment: fragments.append((url, plain, parts.fragment))
        if plain.endswith('.md'): problems.append(f'{url}: links to Markdown {link}')
        if plain not in seen: queue.append(plain)

for page, target, fragment in fragments:
    if target in pages and urllib.parse.unquote(fragment) not in pages[target]:
        problems.append(f'{page}: #{fragment} is not an id on {target}')

# The Atom feed, if the site has one (RFC 4287 §4.1.1, §4.1.2, §3.3).
feed_url = BASE + 'news/feed.atom'
status, headers, body = fetch(feed_url)
entries = 0
if status == 200:
    A = '{http://www.w3.org/2005/Atom}'
    try:
        feed = ET.fromstring(body)
        def need(node, name, where):
            found = node.find(A + name)
            if found is None or (found.text or '').strip() == '' and name != 'link':
                problems.append(f'{where}: no {name}')
            return found
        def date(node, where):
            d = need(node, 'updated', where)
            if d is not None:
                try: datetime.strptime(d.text, '%Y-%m-%dT%H:%M:%SZ')
                except Exception: problems.append(f'{where}: updated {d.text!r} is not an RFC 3339 date')
        if feed.tag != A + 'feed': problems.append(f'{feed_url}: the root is {feed.tag}, not an Atom feed')
        for name in ('id', 'title'): need(feed, name, 'feed')
        date(feed, 'feed')
        author = feed.find(A + 'author')
        if author is None or author.find(A + 'name') is None: problems.append('feed: no author name')
        if not any(l.get('rel') == 'self' for l in feed.findall(A + 'link')): problems.append('feed: no self link')
        ids = set()
        for i, entry in enumerate(feed.findall(A + 'entry')):
            entries += 1
            where = f'entry {i + 1}'
            for name in ('id', 'title'): need(entry, name, where)
            date(entry, where)
            eid = entry.findtext(A + 'id') or ''
            if not urllib.parse.urlsplit(eid).scheme: problems.append(f'{where}: id {eid!r} is not an absolute IRI')
            if eid in ids: problems.append(f'{where}: id {eid} repeated')
            ids.add(eid)
            if entry.find(A + 'link') is None and entry.find(A + 'content') is None: problems.append(f'{where}: neither link nor content')
    except ET.ParseError as e:
        problems.append(f'{feed_url}: not XML: {e}')
elif status != 404:
    problems.append(f'{feed_url}: status {status}')

if len(sys.argv) > 2:
    with open(sys.argv[2], 'w') as f:
        f.write(''.join(u + '\n' for u in sorted(pages)))
print(f'site-check: {len(pages)} pages, {len(seen)} URLs fetched, {len(fragments)} fragments checked, feed with {entries} entries')
for p in problems: print('site-check: ' + p)
sys.exit(1 if problems else 0)
