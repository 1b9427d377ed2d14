//! The tree html5ever builds, in an arena, with limits a hostile document cannot get past.
//!
//! html5ever has no caps of its own, and some of its work grows with the depth of the stack of open elements
//! (every start tag looks for a `p` in button scope), so ten thousand nested `<div>`s cost a hundred million
//! steps. [`parse`] feeds the parser 1 KiB at a time and stops (as if the document ended there) once the tree
//! is deeper than [`MAX_PARSE_DEPTH`] or holds more than [`MAX_NODES`] nodes; what was read so far is shown.
//! The other quadratic corner, one tag with a huge number of attributes, is cut before parsing by
//! [`super::guard`].

use html5ever::interface::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, LocalName, Namespace, ParseOpts, QualName};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Deeper trees stop the parse. Browsers cap at 512; mail is rarely deeper than 40.
pub(crate) const MAX_PARSE_DEPTH: u32 = 400;
/// More nodes stop the parse (a page of mail has a few thousand).
pub(crate) const MAX_NODES: usize = 250_000;
/// The parser is fed this many bytes at a time, so a limit is noticed within one chunk.
const CHUNK: usize = 1024;

pub(crate) type Id = usize;

#[derive(Debug)]
pub(crate) enum Data {
    Document,
    /// A template's contents, a doctype, a processing instruction: never shown.
    Other,
    Comment,
    Text(String),
    Element {
        name: QualName,
        attrs: Vec<Attribute>,
        template: Option<Id>,
        annotation_xml_integration_point: bool,
    },
}

#[derive(Debug)]
pub(crate) struct Node {
    pub parent: Option<Id>,
    pub first_child: Option<Id>,
    pub last_child: Option<Id>,
    pub prev: Option<Id>,
    pub next: Option<Id>,
    pub depth: u32,
    pub data: Data,
}

/// Why a parse ended before the input did.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    pub too_deep: Cell<bool>,
    pub too_many: Cell<bool>,
}

pub(crate) struct Dom {
    pub nodes: RefCell<Vec<Node>>,
    limits: Rc<Limits>,
}

#[derive(Debug)]
pub(crate) struct Name(QualName);

impl ElemName for Name {
    fn ns(&self) -> &Namespace {
        &self.0.ns
    }
    fn local_name(&self) -> &LocalName {
        &self.0.local
    }
}

/// Parses a whole document. `scripting` is the parser's scripting flag: on, `<noscript>` holds raw text (as
/// in a browser with scripts); off, its content is markup (as in a sandboxed frame without scripts).
pub(crate) fn parse(html: &str, scripting: bool) -> (Dom, Rc<Limits>) {
    let limits = Rc::new(Limits::default());
    let dom = Dom {
        nodes: RefCell::new(vec![Node::new(Data::Document, 0)]),
        limits: limits.clone(),
    };
    let mut opts = ParseOpts::default();
    opts.tree_builder.scripting_enabled = scripting;
    let mut parser = html5ever::parse_document(dom, opts);
    let mut rest = html;
    while !rest.is_empty() {
        if limits.too_deep.get() || limits.too_many.get() {
            break;
        }
        let mut cut = rest.len().min(CHUNK);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        parser.process(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
    }
    (parser.finish(), limits)
}

impl Node {
    fn new(data: Data, depth: u32) -> Node {
        Node {
            parent: None,
            first_child: None,
            last_child: None,
            prev: None,
            next: None,
            depth,
            data,
        }
    }
}

impl Dom {
    fn push(&self, data: Data) -> Id {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node::new(data, 0));
        if nodes.len() > MAX_NODES {
            self.limits.too_many.set(true);
        }
        nodes.len() - 1
    }

    fn detach(nodes: &mut [Node], id: Id) {
        let (parent, prev, next) = {
            let n = &nodes[id];
            (n.parent, n.prev, n.next)
        };
        let Some(parent) = parent else {
            return;
        };
        match prev {
            Some(p) => nodes[p].next = next,
            None => nodes[parent].first_child = next,
        }
        match next {
            Some(n) => nodes[n].prev = prev,
            None => nodes[parent].last_child = prev,
        }
        let n = &mut nodes[id];
        n.parent = None;
        n.prev = None;
        n.next = None;
    }

    fn set_depth(&self, nodes: &mut [Node], id: Id, depth: u32) {
        nodes[id].depth = depth;
        if depth > MAX_PARSE_DEPTH {
            self.limits.too_deep.set(true);
        }
    }

    fn append_child(&self, nodes: &mut [Node], parent: Id, child: Id) {
        Self::detach(nodes, child);
        let last = nodes[parent].last_child;
        nodes[child].parent = Some(parent);
        nodes[child].prev = last;
        match last {
            Some(l) => nodes[l].next = Some(child),
            None => nodes[parent].first_child = Some(child),
        }
        nodes[parent].last_child = Some(child);
        let depth = nodes[parent].depth.saturating_add(1);
        self.set_depth(nodes, child, depth);
    }

    fn insert_before(&self, nodes: &mut [Node], sibling: Id, child: Id) {
        let Some(parent) = nodes[sibling].parent else {
            return;
        };
        Self::detach(nodes, child);
        let prev = nodes[sibling].prev;
        nodes[child].parent = Some(parent);
        nodes[child].prev = prev;
        nodes[child].next = Some(sibling);
        nodes[sibling].prev = Some(child);
        match prev {
            Some(p) => nodes[p].next = Some(child),
            None => nodes[parent].first_child = Some(child),
        }
        let depth = nodes[sibling].depth;
        self.set_depth(nodes, child, depth);
    }

    /// Children of `id`, in order.
    pub(crate) fn children(&self, id: Id) -> Vec<Id> {
        let nodes = self.nodes.borrow();
        let mut out = Vec::new();
        let mut c = nodes[id].first_child;
        while let Some(n) = c {
            out.push(n);
            c = nodes[n].next;
        }
        out
    }
}

impl TreeSink for Dom {
    type Handle = Id;
    type Output = Dom;
    type ElemName<'a> = Name;

    fn finish(self) -> Dom {
        self
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Id {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a Id) -> Name {
        match &self.nodes.borrow()[*target].data {
            Data::Element { name, .. } => Name(name.clone()),
            // The tree builder asks only about elements; anything else answers as an unknown one.
            _ => Name(QualName::new(
                None,
                html5ever::ns!(html),
                LocalName::from(""),
            )),
        }
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Id {
        let template = flags.template.then(|| self.push(Data::Other));
        self.push(Data::Element {
            name,
            attrs,
            template,
            annotation_xml_integration_point: flags.mathml_annotation_xml_integration_point,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> Id {
        self.push(Data::Comment)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Id {
        self.push(Data::Other)
    }

    fn append(&self, parent: &Id, child: NodeOrText<Id>) {
        match child {
            NodeOrText::AppendNode(node) => {
                let mut nodes = self.nodes.borrow_mut();
                self.append_child(&mut nodes, *parent, node);
            }
            NodeOrText::AppendText(text) => {
                let last = self.nodes.borrow()[*parent].last_child;
                if let Some(last) = last {
                    if let Data::Text(existing) = &mut self.nodes.borrow_mut()[last].data {
                        existing.push_str(&text);
                        return;
                    }
                }
                let node = self.push(Data::Text(text.to_string()));
                let mut nodes = self.nodes.borrow_mut();
                self.append_child(&mut nodes, *parent, node);
            }
        }
    }

    fn append_based_on_parent_node(&self, element: &Id, prev_element: &Id, child: NodeOrText<Id>) {
        let has_parent = self.nodes.borrow()[*element].parent.is_some();
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        _name: StrTendril,
        _public: StrTendril,
        _system: StrTendril,
    ) {
    }

    fn get_template_contents(&self, target: &Id) -> Id {
        let found = match &self.nodes.borrow()[*target].data {
            Data::Element {
                template: Some(t), ..
            } => Some(*t),
            _ => None,
        };
        match found {
            Some(t) => {
                // Template contents nest as deep as the template, for the depth limit.
                let depth = self.nodes.borrow()[*target].depth.saturating_add(1);
                let mut nodes = self.nodes.borrow_mut();
                self.set_depth(&mut nodes, t, depth);
                t
            }
            None => self.push(Data::Other),
        }
    }

    fn same_node(&self, x: &Id, y: &Id) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Id, new_node: NodeOrText<Id>) {
        match new_node {
            NodeOrText::AppendNode(node) => {
                let mut nodes = self.nodes.borrow_mut();
                self.insert_before(&mut nodes, *sibling, node);
            }
            NodeOrText::AppendText(text) => {
                let prev = self.nodes.borrow()[*sibling].prev;
                if let Some(prev) = prev {
                    if let Data::Text(existing) = &mut self.nodes.borrow_mut()[prev].data {
                        existing.push_str(&text);
                        return;
                    }
                }
                let node = self.push(Data::Text(text.to_string()));
                let mut nodes = self.nodes.borrow_mut();
                self.insert_before(&mut nodes, *sibling, node);
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &Id, attrs: Vec<Attribute>) {
        if let Data::Element {
            attrs: existing, ..
        } = &mut self.nodes.borrow_mut()[*target].data
        {
            for attr in attrs {
                if !existing.iter().any(|a| a.name == attr.name) {
                    existing.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &Id) {
        Self::detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &Id, new_parent: &Id) {
        let children = self.children(*node);
        let mut nodes = self.nodes.borrow_mut();
        for child in children {
            self.append_child(&mut nodes, *new_parent, child);
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Id) -> bool {
        matches!(
            self.nodes.borrow()[*handle].data,
            Data::Element {
                annotation_xml_integration_point: true,
                ..
            }
        )
    }
}
