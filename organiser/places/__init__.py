"""Places: the wijken (neighbourhoods) and the residents' initiatives in them."""
