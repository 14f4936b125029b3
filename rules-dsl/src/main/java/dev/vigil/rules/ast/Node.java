package dev.vigil.rules.ast;

/** Every node of the rule AST carries the position where its text starts. */
public interface Node {
    Position pos();
}
