package io.scimd.server;
public final class Main { public static void main(String[] args) { } }
