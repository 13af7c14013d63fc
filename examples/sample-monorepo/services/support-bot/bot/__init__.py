"""Northwind Lending customer support assistant."""
