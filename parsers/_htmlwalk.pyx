# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The HTML walks of parsers.document, over libxml2's node structs instead of lxml's Python API.

Reading `.tag`, `.text`, `.tail` or `.get()` of an lxml element from Python costs about 0.1 µs each (a
proxy object, a UTF-8 decode); a page's walk makes thousands of them. Here the same walks read the node
structs (type, name, children, next, content, properties) directly: text runs are gathered as UTF-8 bytes
and decoded once per run, tag names are compared in C. Only decisions that are Python's stay Python: an
element carrying class/id/style (the chrome verdict on the attribute values) and a table's data-or-layout
verdict and expansion, given its cells read here.

Each function returns exactly what the Python walk in parsers/document.py (the reference, used whenever this
extension is not built) hands its sink: tests/test_htmlwalk.py compares them on every corpus page.

No libxml2 function is called (lxml does not export libxml2's symbols to other extensions): only struct
fields, and lxml's public C API (elementFactory, to hand a node back to Python as an element).
Built only out of tree, by bench/compile.py; parsers/_htmlwalk.pyi is the interface mypy reads.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8


cdef extern from "Python.h":
    # str.isspace() of one code point (a macro over a table lookup: no GIL needed)
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) noexcept nogil
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, strcmp, strlen, strstr

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree
from lxml.includes.tree cimport xmlAttr, xmlNode

cetree.import_lxml__etree()

# Tag classes (document.py's sets): bit flags per tag name.
cdef enum:
    F_BLOCK = 1  # _BLOCK_TAGS
    F_DROP = 2  # _DROP_TAGS
    F_LEAF = 4  # _LEAF_LINE_TAGS
    F_TABLE = 8
    F_BR = 16
    F_CELL = 32  # td, th
    F_TR = 64
    F_SCRIPT_STYLE = 128  # what _collect_cell_text skips
    F_OUTSIDE_SKIP = 256  # script, style, head: what _walk_outside skips
    F_META = 512
    F_DIV = 1024

# The tag table, by first byte: names (kept alive by _NAME_BYTES) and their flags.
cdef int _MAX_NAMES = 128
cdef const char* _NAMES[128]
cdef int _FLAGS[128]
cdef int _FIRST[257]  # index of the first name starting with a byte; _FIRST[b + 1] ends it
_NAME_BYTES: list = []
cdef Py_ssize_t _CHROME_WIDGET_CHARS = 400  # document._CHROME_WIDGET_CHARS, set by configure()


def configure(block: frozenset, drop: frozenset, Py_ssize_t widget_chars) -> None:
    """Fills the tag table from document.py's sets and takes its _CHROME_WIDGET_CHARS (one source for
    both: the two walks can never disagree on them). Called once, when parsers.document is imported."""
    global _CHROME_WIDGET_CHARS
    _CHROME_WIDGET_CHARS = widget_chars
    flags: dict = {}
    for name in block:
        flags[name] = flags.get(name, 0) | F_BLOCK
        if name != "table" and name not in drop:
            flags[name] |= F_LEAF
    for name in drop:
        flags[name] = flags.get(name, 0) | F_DROP
    for name, bit in (
        ("table", F_TABLE), ("br", F_BR), ("td", F_CELL), ("th", F_CELL), ("tr", F_TR),
        ("script", F_SCRIPT_STYLE | F_OUTSIDE_SKIP), ("style", F_SCRIPT_STYLE | F_OUTSIDE_SKIP),
        ("head", F_OUTSIDE_SKIP), ("meta", F_META), ("div", F_DIV),
    ):
        flags[name] = flags.get(name, 0) | bit
    names = sorted(flags, key=lambda n: n.encode("utf-8"))
    if len(names) > _MAX_NAMES:
        raise ValueError("too many tag names")
    _NAME_BYTES.clear()
    cdef int i
    cdef int b
    for i in range(257):
        _FIRST[i] = -1
    for i, name in enumerate(names):
        encoded = name.encode("utf-8")
        _NAME_BYTES.append(encoded)
        _NAMES[i] = <const char*>encoded
        _FLAGS[i] = flags[name]
        b = encoded[0]
        if _FIRST[b] < 0:
            _FIRST[b] = i
    _FIRST[256] = len(names)
    for b in range(255, -1, -1):  # a byte no name starts with: an empty range ending where the next starts
        if _FIRST[b] < 0:
            _FIRST[b] = _FIRST[b + 1]


cdef inline int _tag_flags(xmlNode* node) noexcept nogil:
    """The flags of an element node's tag; 0 for other nodes and namespaced elements (whose .tag is
    "{uri}name", none of the names above)."""
    if node.type != tree.XML_ELEMENT_NODE or node.ns is not NULL:
        return 0
    cdef const char* name = <const char*>node.name
    cdef unsigned char first = <unsigned char>name[0]
    cdef int i = _FIRST[first]
    cdef int end = _FIRST[first + 1]
    if first == 0:
        return 0
    while i < end:  # the second byte first: most names of a bucket differ there (table, tbody, td, th…)
        if _NAMES[i][1] == name[1] and strcmp(_NAMES[i], name) == 0:
            return _FLAGS[i]
        i += 1
    return 0


cdef inline bint _is_element(xmlNode* node) noexcept nogil:
    # lxml's _isElement: what iterating an element yields (elements, comments, PIs, entity references)
    return (node.type == tree.XML_ELEMENT_NODE or node.type == tree.XML_COMMENT_NODE
            or node.type == tree.XML_ENTITY_REF_NODE or node.type == tree.XML_PI_NODE)


cdef inline bint _is_text(xmlNode* node) noexcept nogil:
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef inline xmlNode* _text_or_skip(xmlNode* node) noexcept nogil:
    # lxml's _textNodeOrSkip: text nodes, skipping XInclude markers; NULL at anything else
    while node is not NULL:
        if _is_text(node):
            return node
        if node.type == tree.XML_XINCLUDE_START or node.type == tree.XML_XINCLUDE_END:
            node = node.next
        else:
            return NULL
    return NULL


cdef inline bint _has_element_child(xmlNode* node) noexcept nogil:
    """len(el) != 0."""
    cdef xmlNode* child = node.children
    while child is not NULL:
        if _is_element(child):
            return True
        child = child.next
    return False


cdef inline bint _ascii_space(unsigned char c) noexcept nogil:
    # str.isspace() on ASCII: \t \n \v \f \r, \x1c-\x1f and the space
    return c == 32 or (9 <= c <= 13) or (28 <= c <= 31)


cdef inline Py_UCS4 _multibyte(const unsigned char** at) noexcept nogil:
    """The code point of the UTF-8 sequence at *at, whose first byte is >= 0x80 (libxml2's text is valid
    UTF-8); *at moves past it."""
    cdef const unsigned char* p = at[0]
    cdef unsigned char c = p[0]
    if c < 0xE0:
        at[0] = p + 2
        return ((c & 0x1F) << 6) | (p[1] & 0x3F)
    if c < 0xF0:
        at[0] = p + 3
        return ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)
    at[0] = p + 4
    return ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F)


cdef bint _utf8_isspace(const char* s, Py_ssize_t n) noexcept nogil:
    """str.isspace() of the UTF-8 text (False when empty, as for str): stops at the first character that is
    not whitespace (most runs: their first)."""
    cdef const unsigned char* p = <const unsigned char*>s
    cdef const unsigned char* end = p + n
    cdef unsigned char c
    cdef Py_UCS4 cp
    if n == 0:
        return False
    while p < end:
        c = p[0]
        if c < 0x80:
            if not _ascii_space(c):
                return False
            p += 1
            continue
        cp = _multibyte(&p)  # a variable: the macro reads its argument more than once
        if not Py_UNICODE_ISSPACE(cp):
            return False
    return True


cdef class _Buffer:
    """A growing UTF-8 byte buffer: the text run being gathered (the Python walk's list of str pieces)."""
    cdef char* data
    cdef Py_ssize_t size
    cdef Py_ssize_t capacity

    def __cinit__(self) -> None:
        self.capacity = 4096
        self.data = <char*>malloc(self.capacity)
        if self.data is NULL:
            raise MemoryError()
        self.size = 0

    def __dealloc__(self) -> None:
        free(self.data)

    cdef int add(self, const char* s, Py_ssize_t n) except -1:
        cdef char* grown
        if self.size + n > self.capacity:
            while self.size + n > self.capacity:
                self.capacity *= 2
            grown = <char*>realloc(self.data, self.capacity)
            if grown is NULL:
                raise MemoryError()
            self.data = grown
        memcpy(self.data + self.size, s, n)
        self.size += n
        return 0

    cdef int add_texts(self, xmlNode* node) except -1:
        """Appends lxml's _collectText(node): the run of text nodes starting there. Returns the bytes
        added (0: no text, or only empty text nodes — what Python sees as a falsy .text/.tail)."""
        cdef Py_ssize_t before = self.size
        node = _text_or_skip(node)
        while node is not NULL:
            if node.content is not NULL:
                self.add(<const char*>node.content, strlen(<const char*>node.content))
            node = _text_or_skip(node.next)
        return <int>(self.size - before)

    cdef str take(self, Py_ssize_t start):
        """The text from `start` on, as str; the buffer is cut back to `start`."""
        cdef str text = PyUnicode_DecodeUTF8(self.data + start, self.size - start, NULL)
        self.size = start
        return text


cdef inline bint _empty_text(xmlNode* node) noexcept nogil:
    """Whether _collectText(node) is None or "" (a falsy .text/.tail)."""
    node = _text_or_skip(node)
    while node is not NULL:
        if node.content is not NULL and node.content[0] != 0:
            return False
        node = _text_or_skip(node.next)
    return True


cdef xmlAttr* _find_attr(xmlNode* node, const char* name) noexcept nogil:
    # what xmlGetNoNsProp finds: the first attribute of that name without a namespace
    cdef xmlAttr* attr = node.properties
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            return attr
        attr = attr.next
    return NULL


cdef object _attr_value(xmlNode* node, const char* name, cetree._Document doc):
    """el.get(name): None when absent, "" for an attribute without a value."""
    cdef xmlAttr* attr = _find_attr(node, name)
    cdef xmlNode* child
    if attr is NULL:
        return None
    child = attr.children
    if child is NULL:
        return ""
    if child.next is NULL and _is_text(child) and child.content is not NULL:  # the HTML parser's one text node
        return PyUnicode_DecodeUTF8(<const char*>child.content, strlen(<const char*>child.content), NULL)
    # entity references in the value (not made by the HTML parser): lxml's own reading
    return cetree.elementFactory(doc, node).get(name.decode("utf-8"))


cdef bint _hidden_bytes(const char* style, Py_ssize_t n) except -1:
    """document._hidden_style on the UTF-8 bytes of a style: style.replace(" ", "").lower() holding
    "display:none" or "visibility:hidden". Lowered here byte by byte, ASCII only: no other character's
    lower() puts an ASCII letter where one of those could match (only U+212A KELVIN SIGN lowers to ASCII,
    to "k"; U+0130 lowers to "i" followed by a combining dot, which breaks any match)."""
    cdef char small[256]
    cdef char* squeezed = &small[0]
    cdef Py_ssize_t i
    cdef Py_ssize_t m = 0
    cdef char c
    cdef bint hidden
    if n >= 256:
        squeezed = <char*>malloc(n + 1)
        if squeezed is NULL:
            raise MemoryError()
    for i in range(n):
        c = style[i]
        if c == b" ":
            continue
        if b"A" <= c <= b"Z":
            c = c + 32
        squeezed[m] = c
        m += 1
    squeezed[m] = 0
    hidden = strstr(squeezed, "display:none") is not NULL or strstr(squeezed, "visibility:hidden") is not NULL
    if n >= 256:
        free(squeezed)
    return hidden


cdef bint _hidden_style(xmlNode* node, cetree._Document doc) except -1:
    cdef xmlNode* child = _find_attr(node, "style").children
    if child is NULL:
        return False  # an empty style
    if child.next is NULL and _is_text(child) and child.content is not NULL:
        return _hidden_bytes(<const char*>child.content, strlen(<const char*>child.content))
    cdef bytes value = _attr_value(node, "style", doc).encode("utf-8")
    return _hidden_bytes(value, len(value))


def hidden_style(str style) -> bool:
    """document._hidden_style(style), as the walk decides it (for the equivalence test)."""
    cdef bytes value = style.encode("utf-8")
    return _hidden_bytes(value, len(value))


cdef Py_ssize_t _count_visible(xmlNode* node, Py_ssize_t count, Py_ssize_t limit) noexcept nogil:
    """Adds the non-whitespace characters (str.isspace()'s) of the text nodes under `node` to count, stopping
    once it reaches limit: the characters of el.itertext() (text and descendants' tails, not comments')."""
    cdef xmlNode* child = node.children
    cdef const unsigned char* s
    cdef unsigned char c
    cdef Py_UCS4 cp
    while child is not NULL and count < limit:
        if _is_text(child) and child.content is not NULL:
            s = <const unsigned char*>child.content
            while s[0] != 0:
                c = s[0]
                if c < 0x80:
                    if not _ascii_space(c):
                        count += 1
                    s += 1
                    continue
                cp = _multibyte(&s)  # a variable: the macro reads its argument more than once
                if not Py_UNICODE_ISSPACE(cp):
                    count += 1
        elif child.type == tree.XML_ELEMENT_NODE:
            count = _count_visible(child, count, limit)
        child = child.next
    return count


def holds_visible_chars(cetree._Element el, Py_ssize_t n) -> bool:
    """document._holds_visible_chars(el, n)."""
    return _count_visible(el._c_node, 0, n) >= n


cdef class _Walker:
    cdef _Buffer buffer
    cdef list out  # batches of text runs (lists) and grids, in order
    cdef list texts  # the current batch
    cdef cetree._Document doc
    cdef object attr_verdict
    cdef object table_grid

    def __cinit__(self, cetree._Document doc, attr_verdict: object, table_grid: object) -> None:
        self.buffer = _Buffer()
        self.out = []
        self.texts = []
        self.doc = doc
        self.attr_verdict = attr_verdict
        self.table_grid = table_grid

    cdef int flush(self) except -1:
        cdef _Buffer buffer = self.buffer
        cdef str text
        if buffer.size == 0:
            return 0
        if _utf8_isspace(buffer.data, buffer.size):
            buffer.size = 0
            return 0
        text = buffer.take(0)
        self.texts.append(text)
        return 0

    cdef int add_tail(self, xmlNode* node) except -1:
        """_HtmlWalker.add_tail(el.tail): a whitespace-only tail with nothing buffered is dropped."""
        cdef _Buffer buffer = self.buffer
        cdef Py_ssize_t start = buffer.size
        if buffer.add_texts(node.next) and start == 0 and _utf8_isspace(buffer.data, buffer.size):
            buffer.size = 0
        return 0

    cdef bint is_chrome(self, xmlNode* node, int flags) except -1:
        """document._is_chrome_element: the dropped tags and a hidden style here, the verdict on class and
        id in Python (document._attr_verdict: 2 a widget's marker — chrome unless it holds much text)."""
        if flags & F_DROP:
            return True
        if node.properties is NULL:
            return False
        if _find_attr(node, "style") is not NULL and _hidden_style(node, self.doc):
            return True
        if _find_attr(node, "class") is NULL and _find_attr(node, "id") is NULL:
            return False
        verdict = self.attr_verdict(_attr_value(node, "class", self.doc), _attr_value(node, "id", self.doc), None)
        if verdict == 1:
            return True
        if verdict == 2:
            return _count_visible(node, 0, _CHROME_WIDGET_CHARS + 1) < _CHROME_WIDGET_CHARS + 1
        return False

    cdef int walk(self, xmlNode* node, bint top) except -1:
        """_HtmlWalker.walk."""
        cdef int flags
        cdef int child_flags
        cdef xmlNode* child
        cdef _Buffer buffer = self.buffer
        cdef Py_ssize_t start
        cdef bint block
        if node.type != tree.XML_ELEMENT_NODE:  # comments, processing instructions: only their tail is text
            if not top:
                self.add_tail(node)
            return 0
        flags = _tag_flags(node)
        if not top and self.is_chrome(node, flags):
            self.add_tail(node)
            return 0
        grid = self.read_table(node) if flags & F_TABLE else None
        if grid is not None:
            self.flush()  # the lines before the table reach the sink first (its footer state)
            if self.texts:
                self.out.append(self.texts)
                self.texts = []
            self.out.append(grid)
        else:
            block = (flags & F_BLOCK) != 0
            if buffer.size and (block or flags & F_BR):
                self.flush()
            if not flags & F_BR:
                buffer.add_texts(node.children)
            child = node.children
            while child is not NULL:
                if not _is_element(child):
                    child = child.next
                    continue
                child_flags = _tag_flags(child)
                if child_flags & F_LEAF and not _has_element_child(child):
                    if child.properties is not NULL and self.is_chrome(child, child_flags):
                        self.add_tail(child)
                        child = child.next
                        continue
                    # A block element holding only text (<p>…</p>, most of a page): its own line.
                    self.flush()
                    start = buffer.size  # 0
                    if buffer.add_texts(child.children):
                        if _utf8_isspace(buffer.data, buffer.size):
                            buffer.size = 0
                        else:
                            self.texts.append(buffer.take(0))
                    self.add_tail(child)
                else:
                    self.walk(child, False)
                child = child.next
            if block and buffer.size:
                self.flush()
        if not top:
            self.add_tail(node)
        return 0

    cdef object read_table(self, xmlNode* table):
        """document._data_table: None for a layout table; else the cells read here (their text as
        _data_table reads it, the rows' sizes, the rowspan/colspan of cells with attributes) and judged and
        expanded in Python (document._grid_from_cells)."""
        if _has_descendant(table, F_TABLE):  # a table holding a table lays out the page
            return None
        cdef list texts = []
        cdef list sizes = []
        cdef list spans = []
        self.read_rows(table, texts, sizes, spans)
        if len(texts) <= 1:
            return None
        return self.table_grid(texts, sizes, spans)

    cdef int read_rows(self, xmlNode* node, list texts, list sizes, list spans) except -1:
        # table.iter("tr"): the element descendants in document order; each row's td/th children
        cdef xmlNode* child = node.children
        cdef xmlNode* cell
        cdef int count
        while child is not NULL:
            if child.type == tree.XML_ELEMENT_NODE:
                if _tag_flags(child) & F_TR:
                    count = 0
                    cell = child.children
                    while cell is not NULL:
                        if _tag_flags(cell) & F_CELL:
                            texts.append(self.cell_text(cell))
                            spans.append(self.cell_span(cell))
                            count += 1
                        cell = cell.next
                    sizes.append(count)
                self.read_rows(child, texts, sizes, spans)
            child = child.next
        return 0

    cdef str cell_text(self, xmlNode* cell):
        """The cell's text before whitespace is collapsed: its .text when it has no children, else what
        document._collect_cell_text gathers."""
        cdef _Buffer buffer = self.buffer
        cdef Py_ssize_t start = buffer.size
        if _has_element_child(cell):
            self.collect_cell_text(cell, cell)
        else:
            buffer.add_texts(cell.children)
        if buffer.size == start:
            return ""
        return buffer.take(start)

    cdef int collect_cell_text(self, xmlNode* node, xmlNode* cell) except -1:
        cdef _Buffer buffer = self.buffer
        cdef int flags = _tag_flags(node)
        cdef xmlNode* child
        if flags & F_SCRIPT_STYLE:
            buffer.add_texts(node.next)
            return 0
        if flags & F_BR or (flags & F_BLOCK and node is not cell):
            buffer.add(" ", 1)
        if node.type == tree.XML_ELEMENT_NODE:
            buffer.add_texts(node.children)
            child = node.children
            while child is not NULL:
                if _is_element(child):
                    self.collect_cell_text(child, cell)
                child = child.next
        if node is not cell:
            buffer.add_texts(node.next)
        return 0

    cdef object cell_span(self, xmlNode* cell):
        """None for a cell without rowspan and colspan, else (rowspan, colspan) as cell.get() gives them."""
        if cell.properties is NULL:
            return None
        if _find_attr(cell, "rowspan") is NULL and _find_attr(cell, "colspan") is NULL:
            return None
        return (_attr_value(cell, "rowspan", self.doc), _attr_value(cell, "colspan", self.doc))

    cdef list batches(self):
        self.flush()
        if self.texts:
            self.out.append(self.texts)
            self.texts = []
        return self.out


cdef bint _has_descendant(xmlNode* node, int flag) noexcept nogil:
    cdef xmlNode* child = node.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            if _tag_flags(child) & flag or _has_descendant(child, flag):
                return True
        child = child.next
    return False


def walk_body(cetree._Element container, attr_verdict: object, table_grid: object) -> list:
    """_HtmlWalker(sink).walk(container, top=True) then finish(): what reaches the sink, in order — lists of
    text runs (for sink.add_markup_texts) and data tables' (rows, raw cells) (for sink.add_grid)."""
    cdef _Walker walker = _Walker(container._doc, attr_verdict, table_grid)
    walker.walk(container._c_node, True)
    return walker.batches()


cdef class _OutsideWalker:
    cdef _Buffer buffer
    cdef list texts
    cdef xmlNode* container

    def __cinit__(self) -> None:
        self.buffer = _Buffer()
        self.texts = []

    cdef int flush(self) except -1:
        cdef _Buffer buffer = self.buffer
        if buffer.size == 0:
            return 0
        if _utf8_isspace(buffer.data, buffer.size):
            buffer.size = 0
            return 0
        self.texts.append(buffer.take(0))
        return 0

    cdef int walk(self, xmlNode* node) except -1:
        """document._walk_outside."""
        cdef _Buffer buffer = self.buffer
        cdef int flags
        cdef bint cell
        cdef bint block
        cdef xmlNode* child
        if node is self.container or node.type != tree.XML_ELEMENT_NODE:
            return 0
        flags = _tag_flags(node)
        if flags & F_OUTSIDE_SKIP:
            return 0
        # A row's cells stay one line (索引号 tables: <th>发布日期：</th><td>2024-01-05</td>): label beside value.
        cell = (flags & F_CELL) != 0
        block = (flags & F_BLOCK) != 0 and not cell
        if buffer.size and (block or flags & F_BR):
            self.flush()
        buffer.add_texts(node.children)
        child = node.children
        while child is not NULL:
            if _is_element(child):
                self.walk(child)
                buffer.add_texts(child.next)
            child = child.next
        if block:
            if buffer.size:
                self.flush()
        elif cell:
            buffer.add(" ", 1)
        return 0


def walk_outside(cetree._Element root, cetree._Element container) -> list:
    """The text runs _walk_outside(root, container, walker) then walker.finish() hand the sink."""
    cdef _OutsideWalker walker = _OutsideWalker()
    walker.container = container._c_node
    walker.walk(root._c_node)
    walker.flush()
    return walker.texts


def metas(cetree._Element root) -> dict:
    """document._metas: <meta> name (or property) -> content, the first of each name."""
    cdef dict found = {}
    _metas(root._c_node, root._doc, found)
    return found


cdef int _metas(xmlNode* node, cetree._Document doc, dict found) except -1:
    # root.iter("meta"): the root and its descendants in document order
    cdef xmlNode* child
    if node.type != tree.XML_ELEMENT_NODE:
        return 0
    if _tag_flags(node) & F_META:
        name = (_attr_value(node, "name", doc) or _attr_value(node, "property", doc) or "").strip()
        content = (_attr_value(node, "content", doc) or "").strip()
        if name and content and name not in found:
            found[name] = content
    child = node.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            _metas(child, doc, found)
        child = child.next
    return 0


def class_divs(cetree._Element root, str value) -> list:
    """[(el, el.get("class")) for el in root.iter("div") if value in (el.get("class") or "")]."""
    cdef list found = []
    _class_divs(root._c_node, root._doc, value, found)
    return found


cdef int _class_divs(xmlNode* node, cetree._Document doc, str value, list found) except -1:
    cdef xmlNode* child
    if node.type != tree.XML_ELEMENT_NODE:
        return 0
    if _tag_flags(node) & F_DIV and node.properties is not NULL and _find_attr(node, "class") is not NULL:
        cls = _attr_value(node, "class", doc)
        if value in cls:
            found.append((cetree.elementFactory(doc, node), cls))
    child = node.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            _class_divs(child, doc, value, found)
        child = child.next
    return 0


cdef int _span(value: object, int limit) except -1:
    # document._span (Python's int() on the attribute: the same numbers, signs, spaces and digits)
    cdef object n
    if value is None:
        return 1
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return max(1, min(n, limit))


cdef inline void _put(list slots, Py_ssize_t c, object text, bint always):
    # slots[c] = text (always) or slots.setdefault(c, text), the free slots being None
    while len(slots) <= c:
        slots.append(None)
    if always or slots[c] is None:
        slots[c] = text


def expand(list sizes, list spans, list normalised) -> list:
    """document._expand_spans: the rows, rowspan/colspan expanded so that a merged cell's text fills every
    slot it covers; the rows with no text dropped. A row's slots are a list (None: free) instead of a dict."""
    cdef Py_ssize_t n_rows = len(sizes)
    cdef list grid = [[] for _ in range(n_rows)]
    cdef list slots
    cdef list covered
    cdef Py_ssize_t width = 0
    cdef Py_ssize_t at = 0
    cdef Py_ssize_t r, c, k, size, dr, dc
    cdef int rowspan, colspan
    for r in range(n_rows):
        slots = grid[r]
        c = 0
        size = sizes[r]
        for k in range(size):
            while c < len(slots) and slots[c] is not None:
                c += 1
            text = normalised[at]
            span = spans[at]
            at += 1
            if span is None:  # most cells: no span
                _put(slots, c, text, True)
                c += 1
                continue
            rowspan_attr, colspan_attr = span
            if rowspan_attr is not None and rowspan_attr.strip() == "0":
                rowspan = n_rows - r
            else:
                rowspan = _span(rowspan_attr, n_rows - r)
            colspan = _span(colspan_attr, 1000)
            for dr in range(rowspan):
                covered = grid[r + dr]
                for dc in range(colspan):
                    _put(covered, c + dc, text, False)
            c += colspan
        if c > width:
            width = c
    cdef list out = []
    cdef list row
    cdef bint any_text
    for slots in grid:
        row = []
        any_text = False
        for c in range(width):
            text = slots[c] if c < len(slots) else None
            if text is None:
                text = ""
            elif not any_text and text:
                any_text = True
            row.append(text)
        if any_text:
            out.append(row)
    return out


cdef enum:
    _MAX_KINDS = 32


cdef class _ContainerSearch:
    cdef cetree._Document doc
    cdef list kinds
    cdef int n_kinds
    cdef const char** names
    cdef const char** values
    cdef bint* is_class
    cdef xmlNode* found
    cdef int found_rank

    cdef bint matches(self, xmlNode* node, int k) except -1:
        """document._attr_has(el, attr, value)."""
        cdef xmlAttr* attr = _find_attr(node, self.names[k])
        cdef xmlNode* child
        if attr is NULL:
            return False
        child = attr.children
        if child is not NULL and child.next is NULL and _is_text(child) and child.content is not NULL:
            # the HTML parser's one text node: most attributes are told apart on their bytes
            if self.is_class[k]:
                if strstr(<const char*>child.content, self.values[k]) is NULL:
                    return False
            else:
                return strcmp(<const char*>child.content, self.values[k]) == 0
        got = _attr_value(node, self.names[k], self.doc)
        if not got:
            return False
        value = self.kinds[k][1]
        return value in got.split() if self.is_class[k] else got == value

    cdef bint visit(self, xmlNode* node) except -1:
        """Visits node and its descendants in document order; True once the search is over."""
        cdef int k
        cdef xmlNode* child
        if node.properties is not NULL:
            for k in range(self.found_rank):
                if self.matches(node, k):
                    if _count_visible(node, 0, 20) >= 20:
                        self.found = node
                        self.found_rank = k
                        if k == 0:
                            return True
                    break
        child = node.children
        while child is not NULL:
            if child.type == tree.XML_ELEMENT_NODE and self.visit(child):
                return True
            child = child.next
        return False


def find_container(cetree._Element root, list kinds) -> object:
    """document._find_container's choice, None when no known container holds text (the caller then takes
    the <body>): in document order, the first element of the best-ranked kind (`kinds`: (attribute, value)
    in document._BODY_CONTAINERS order) whose text has 20 visible characters. A class matches as one of
    the class attribute's words, an id as the whole value."""
    cdef list encoded = []
    cdef const char* names[_MAX_KINDS]
    cdef const char* values[_MAX_KINDS]
    cdef bint is_class[_MAX_KINDS]
    cdef int n_kinds = len(kinds)
    cdef int k
    if n_kinds > _MAX_KINDS:
        raise ValueError("too many container kinds")
    for k in range(n_kinds):
        attr, value = kinds[k]
        encoded.append((attr.encode("utf-8"), value.encode("utf-8")))
        names[k] = <const char*>encoded[k][0]
        values[k] = <const char*>encoded[k][1]
        is_class[k] = attr == "class"
    cdef _ContainerSearch search = _ContainerSearch()
    search.doc = root._doc
    search.kinds = kinds
    search.n_kinds = n_kinds
    search.names = names
    search.values = values
    search.is_class = is_class
    search.found = NULL
    search.found_rank = n_kinds
    search.visit(root._c_node)
    if search.found is NULL:
        return None
    return cetree.elementFactory(root._doc, search.found)
