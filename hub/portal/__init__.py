"""The citizens' portal: search, offer/provider/municipality pages, map, watch list, calendar
files and the pages the law asks for. Pure helpers here; routes in hub/blueprints."""
