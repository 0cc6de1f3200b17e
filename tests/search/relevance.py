"""Graded relevance judgements over the demo catalogue (fixtures/demo.py), and nDCG.

Grades: 3 = what the query asks for, 2 = a good answer, 1 = related. Resources not listed
are irrelevant (0). Judged from the catalogue's text, before looking at any ranking.
"""

import math

PODCAST = ["Hermannplatz Podcast Studio", "Gowanus Podcast Suite", "Namma Podcast Studio",
           "Fleet Street Podcast Room", "Sumidagawa Podcast Booth"]
REHEARSAL = ["Proberaum A", "Proberaum B", "Maxwell Street Blues Room"]
OFFICES = ["Hinterhof Office", "Sihl-Büro", "Third Avenue Private Office", "Prairie Office",
           "100 Feet Road Cabin", "Clerkenwell Green Office"]
PHOTO = ["Nordlicht-Atelier", "West Loop Photo Studio", "Asakusa White Studio",
         "Rooftop Valley Studio", "Brooklyn Cyclorama Stage", "Chroma Key Studio"]
ZURICH = ["Züri-Stube", "Seeblick-Saal", "Café Grünschnabel Lounge", "Nordlicht-Atelier",
          "Sihl-Büro", "Schreibtisch am Fenster", "Telefonkabine Limmat", "Werkstatt Kreis 5",
          "Üetliberg Transporter"]
KATHMANDU = ["Kasthamandap Room", "Himalaya Co-working Desk", "Rooftop Valley Studio",
             "Singing Bowl Sound Room", "Courtyard Stage", "Patan Crafts Workshop",
             "Nagarkot Jeep"]


def grades(*groups: tuple[int, list[str]]) -> dict[str, int]:
    return {name: grade for grade, names in groups for name in names}


QUERIES: dict[str, dict[str, int]] = {
    # exact names
    "Landwehr Room": grades((3, ["Landwehr Room"])),
    "Tatami Room": grades((3, ["Tatami Room"]), (1, ["Sumida Meeting Room"])),
    "Synth Lab": grades((3, ["Synth Lab"])),
    "Press Hall": grades((3, ["Press Hall"]), (1, ["Tonwerk Hall", "Fulton Hall"])),
    "Nagarkot Jeep": grades((3, ["Nagarkot Jeep"]), (1, ["Nandi Hills Tempo Traveller"])),
    "Old Darkroom": {},  # inactive: nothing should come back ranked as relevant
    # categories and kinds of things
    "boardroom": grades((3, ["Admiralbrücke Boardroom", "Skyline Boardroom"]),
                        (1, ["Carroll Street Conference Room"])),
    "podcast studio": grades((3, PODCAST), (1, ["Voiceover Booth"])),
    "rehearsal room": grades((3, REHEARSAL), (2, ["Singing Bowl Sound Room"])),
    "phone booth": grades((3, ["Telefonzelle Grün", "Telefonkabine Limmat", "Focus Booth 4B"]),
                          (1, ["Voiceover Booth"])),
    "private office": grades((3, OFFICES)),
    "photo studio": grades((3, PHOTO)),
    "van": grades((3, ["Kiez Electric Van", "Clerkenwell Electric Van", "Red Hook Cargo Van"]),
                  (2, ["Üetliberg Transporter"])),
    "truck": grades((3, ["Taitō Kei Truck"]), (1, ["Üetliberg Transporter"])),
    "test kitchen": grades((3, ["Brooklyn Test Kitchen"])),
    "event hall": grades((3, ["Rooftop Loft", "Tonwerk Hall", "Seeblick-Saal",
                              "Canal Side Event Space", "Fulton Hall", "Lalbagh Hall",
                              "Courtyard Stage", "Kuramae Gallery Hall", "Press Hall"])),
    # descriptions
    "drum kit": grades((3, ["Proberaum A", "Proberaum B"]), (2, ["Maxwell Street Blues Room"])),
    "green screen": grades((3, ["Chroma Key Studio", "Brooklyn Cyclorama Stage"])),
    "cyclorama": grades((3, ["Brooklyn Cyclorama Stage"]),
                        (2, ["Nordlicht-Atelier", "Asakusa White Studio"])),
    "letterpress": grades((3, ["Letterpress Studio"]),
                          (2, ["Kuramae Leather and Indigo Workshop"])),
    "woodworking workshop": grades((3, ["Werkstatt Kreis 5"]), (2, ["Patan Crafts Workshop"]),
                                   (1, ["Windy City Makerspace"])),
    "laser cutter": grades((3, ["Werkstatt Kreis 5"]), (1, ["Windy City Makerspace"])),
    "singing bowls meditation": grades((3, ["Singing Bowl Sound Room"])),
    "indigo dyeing": grades((3, ["Kuramae Leather and Indigo Workshop"])),
    "airport transfer": grades((3, ["Nandi Hills Tempo Traveller"])),
    "concert": grades((3, ["Tonwerk Hall"]), (2, ["Courtyard Stage"]), (1, ["Lalbagh Hall"])),
    "wedding": grades((2, ["Fulton Hall", "Rooftop Valley Studio"])),
    "lake view": grades((3, ["Seeblick-Saal"])),
    "espresso machine": grades((3, ["Admiralbrücke Boardroom", "Café Nook",
                                    "Union Street Hot Desk", "Brooklyn Test Kitchen",
                                    "Café Grünschnabel Lounge", "Chai and Filter Café Booth",
                                    "Exmouth Market Desk"])),
    "night owl desk": grades((3, ["Night Owl Capsule Desk"]),
                             (2, ["Union Street Hot Desk", "Startup Bay Desk",
                                  "Canal View Desk"])),
    # attribute combinations
    "wheelchair studio berlin": grades((2, ["Tonwerk Hall", "Rooftop Loft"]),
                                       (1, ["Hermannplatz Podcast Studio"])),
    "projector berlin": grades((3, ["Landwehr Room", "Admiralbrücke Boardroom", "Rooftop Loft",
                                    "Synth Lab"])),
    "meeting room tokyo": grades((3, ["Sumida Meeting Room"]), (2, ["Tatami Room"])),
    "event hall london": grades((3, ["Press Hall"])),
    "kitchenette private office": grades((3, ["Hinterhof Office",
                                              "Third Avenue Private Office",
                                              "100 Feet Road Cabin",
                                              "Clerkenwell Green Office"]),
                                         (1, ["Sihl-Büro", "Prairie Office"])),
    "quiet studio with natural light": grades(
        (3, ["Nordlicht-Atelier", "West Loop Photo Studio", "Asakusa White Studio",
             "Rooftop Valley Studio"]), (1, ["Library Quiet Desk"])),
    '"video podcast"': grades((3, ["Hermannplatz Podcast Studio", "Gowanus Podcast Suite"])),
    "meeting room -projector": grades((3, ["Züri-Stube", "Café Nook",
                                           "Café Grünschnabel Lounge",
                                           "Chai and Filter Café Booth", "Sumida Meeting Room",
                                           "Tatami Room", "Skyline Boardroom"])),
    # accents
    "zurich": grades((2, ZURICH)),
    "cafe": grades((3, ["Café Nook", "Café Grünschnabel Lounge", "Chai and Filter Café Booth"]),
                   (1, ["Exmouth Market Desk", "Telefonkabine Limmat", "Seeblick-Saal"])),
    "zuri stube": grades((3, ["Züri-Stube"])),
    "grunschnabel": grades((3, ["Café Grünschnabel Lounge"]), (1, ["Seeblick-Saal"])),
    "uetliberg": grades((3, ["Üetliberg Transporter"])),
    "kathmandu": grades((2, KATHMANDU)),
    # prefixes (search as you type)
    "podc": grades((3, PODCAST)),
    "rehears": grades((3, REHEARSAL)),
    "boardr": grades((3, ["Admiralbrücke Boardroom", "Skyline Boardroom"])),
    "kitchenet": grades((3, ["Hinterhof Office", "Rooftop Loft", "Seeblick-Saal",
                             "Third Avenue Private Office", "Canal Side Event Space",
                             "Brooklyn Test Kitchen", "Fulton Hall", "100 Feet Road Cabin",
                             "Lalbagh Hall", "Courtyard Stage", "Clerkenwell Green Office",
                             "Press Hall"])),
    # typos
    "podcats studio": grades((3, PODCAST), (1, ["Voiceover Booth"])),
    "rehersal room": grades((3, REHEARSAL), (2, ["Singing Bowl Sound Room"])),
    "letterpres": grades((3, ["Letterpress Studio"]),
                         (2, ["Kuramae Leather and Indigo Workshop"])),
}

# Requests that state needs in words (issue 13), judged from the catalogue's text before
# search understood them: a party size that the capacity must fit, a city or venue, rare
# words among common ones, words the catalogue says otherwise, a finished word that other
# words begin, and catalogue words that look like typos of commoner ones.
UNDERSTOOD: dict[str, dict[str, dict[str, int]]] = {
    "party size": {
        "meeting room for 6 with whiteboard in Zürich": grades(
            (3, ["Züri-Stube"]), (1, ["Café Grünschnabel Lounge"])),
        "event hall for 150 with stage": grades(
            (3, ["Tonwerk Hall", "Fulton Hall"]), (2, ["Press Hall", "Canal Side Event Space"])),
        "hall for 200 guests": grades((3, ["Tonwerk Hall", "Fulton Hall"])),
        "room for 12 people with projector": grades(
            (3, ["Admiralbrücke Boardroom", "Skyline Boardroom",
                 "Carroll Street Conference Room"]), (2, ["Rangoli Design Studio"])),
        "desk for 1 in Tokyo": grades((3, ["Night Owl Capsule Desk"])),
        "podcast studio for 4 people": grades(
            (3, ["Hermannplatz Podcast Studio", "Gowanus Podcast Suite",
                 "Fleet Street Podcast Room"])),
        "photo shoot up to 10 people": grades((3, ["Brooklyn Cyclorama Stage"])),
        "rehearsal space for 6 musicians": grades(
            (3, ["Proberaum A", "Maxwell Street Blues Room"]), (2, ["Singing Bowl Sound Room"])),
        "workshop for 10 people": grades(
            (3, ["Werkstatt Kreis 5", "Patan Crafts Workshop", "Rangoli Design Studio",
                 "Windy City Makerspace"])),
        "van for 2": grades((3, ["Kiez Electric Van", "Clerkenwell Electric Van",
                                 "Red Hook Cargo Van"]), (2, ["Üetliberg Transporter"])),
        "boardroom for 20": grades((3, ["Skyline Boardroom"])),
    },
    "place": {
        "podcast studio in London": grades((3, ["Fleet Street Podcast Room"])),
        "photo studio tokyo": grades((3, ["Asakusa White Studio"])),
        "rehearsal room chicago": grades((3, ["Maxwell Street Blues Room"])),
        "hot desk in Berlin": grades((3, ["Canal View Desk", "Library Quiet Desk"])),
        "van new york": grades((3, ["Red Hook Cargo Van"])),
        "meeting room Bengaluru": grades((3, ["Cubbon Meeting Room", "Chai and Filter Café Booth"]),
                                         (1, ["100 Feet Road Cabin"])),
        "event hall at Tonwerk Neukölln": grades((3, ["Tonwerk Hall"])),
        "desk at Gowanus Canal Works": grades((3, ["Union Street Hot Desk"]),
                                              (1, ["Focus Booth 4B"])),
        "kathmandu jeep": grades((3, ["Nagarkot Jeep"])),
    },
    "rare words": {
        "studio for product photos with a cyclorama wall": grades(
            (3, ["Asakusa White Studio", "Nordlicht-Atelier", "Brooklyn Cyclorama Stage"]),
            (1, ["West Loop Photo Studio", "Chroma Key Studio", "Rooftop Valley Studio"])),
        "room with a harmonium": grades((3, ["Singing Bowl Sound Room"])),
        "hammond organ": grades((3, ["Maxwell Street Blues Room"])),
        "studio with teleprompter": grades((3, ["Chroma Key Studio"])),
        "kitchen with blast chiller": grades((3, ["Brooklyn Test Kitchen"])),
        "desk with shower": grades((3, ["Startup Bay Desk", "Night Owl Capsule Desk"])),
        "tea ceremony room": grades((3, ["Tatami Room"])),
        "space for thangka painting": grades((3, ["Patan Crafts Workshop"])),
    },
    "synonyms": {
        "event space for a product launch": grades(
            (3, ["Canal Side Event Space", "Press Hall"]),
            (2, ["Kuramae Gallery Hall", "Tonwerk Hall", "Rooftop Loft", "Fulton Hall",
                 "Lalbagh Hall", "Seeblick-Saal", "Courtyard Stage"])),
        "bright meeting room": grades(
            (3, ["Landwehr Room", "Café Nook", "Skyline Boardroom", "Sumida Meeting Room",
                 "Kasthamandap Room", "Café Grünschnabel Lounge", "Züri-Stube", "Tatami Room"]),
            (1, ["Admiralbrücke Boardroom", "Randolph Room", "Farringdon Room",
                 "Carroll Street Conference Room", "Cubbon Meeting Room",
                 "Chai and Filter Café Booth"])),
        "wheelchair accessible meeting room": grades(
            (3, ["Landwehr Room", "Café Nook", "Randolph Room", "Farringdon Room",
                 "Café Grünschnabel Lounge"])),
        "auditorium for talks": grades(
            (3, ["Rooftop Loft", "Kuramae Gallery Hall", "Canal Side Event Space"]),
            (2, ["Tonwerk Hall", "Press Hall", "Fulton Hall", "Lalbagh Hall", "Seeblick-Saal",
                 "Courtyard Stage"])),
        "daylight studio": grades(
            (3, ["Nordlicht-Atelier", "West Loop Photo Studio", "Asakusa White Studio",
                 "Rooftop Valley Studio"]), (2, ["Rangoli Design Studio"])),
        "car with driver": grades((3, ["Nandi Hills Tempo Traveller", "Nagarkot Jeep"]),
                                  (1, ["Kiez Electric Van", "Clerkenwell Electric Van",
                                       "Red Hook Cargo Van", "Üetliberg Transporter",
                                       "Taitō Kei Truck"])),
    },
    "finished word": {  # typed without a space after it: completions come in too
        "sumida": grades((3, ["Sumida Meeting Room"]), (1, ["Sumidagawa Podcast Booth"])),
        "tea": grades((3, ["Tatami Room", "Sumida Meeting Room", "Himalaya Co-working Desk",
                           "Lake Street Hot Desk", "Exmouth Market Desk"])),
        "white": grades((3, ["Asakusa White Studio"]),
                        (2, ["Brooklyn Cyclorama Stage", "Nordlicht-Atelier",
                             "Kuramae Gallery Hall"])),
        "kitchen": grades((3, ["Brooklyn Test Kitchen"]),
                          (1, ["Courtyard Stage", "Canal Side Event Space", "Rooftop Loft"])),
        "van": grades((3, ["Kiez Electric Van", "Clerkenwell Electric Van",
                           "Red Hook Cargo Van"])),
        "cabin": grades((3, ["100 Feet Road Cabin"])),
    },
    "correct word": {  # catalogue words one letter away from commoner ones
        "hair and make-up room": grades((3, ["Brooklyn Cyclorama Stage"]),
                                        (2, ["Nordlicht-Atelier"])),
        "tall windows": grades((3, ["Landwehr Room"]),
                               (1, ["Skyline Boardroom", "Nordlicht-Atelier"])),
        "boom arms": grades((3, ["Gowanus Podcast Suite"])),
        "blues band": grades((3, ["Maxwell Street Blues Room"])),
    },
}

# Single-typo queries: the intended resource must be in the top 3.
TYPOS: dict[str, str] = {
    "landwher room": "Landwehr Room",
    "tatamy room": "Tatami Room",
    "cyclorma stage": "Brooklyn Cyclorama Stage",
    "letterpres studio": "Letterpress Studio",
    "synht lab": "Synth Lab",
    "windy city makerspce": "Windy City Makerspace",
    "skyline bordroom": "Skyline Boardroom",
    "kasthamandup room": "Kasthamandap Room",
    "singing bowll": "Singing Bowl Sound Room",
    "telefonzele": "Telefonzelle Grün",
    "capsul desk": "Night Owl Capsule Desk",
    "voiceovr booth": "Voiceover Booth",
    "chrome key studio": "Chroma Key Studio",
    "indigo workshp": "Kuramae Leather and Indigo Workshop",
    "nagarkott jeep": "Nagarkot Jeep",
    "farringdon rooom": "Farringdon Room",
    "hermanplatz podcast": "Hermannplatz Podcast Studio",
    "gowanus podcst": "Gowanus Podcast Suite",
    "lalbag hall": "Lalbagh Hall",
    "seeblik saal": "Seeblick-Saal",
    # three letters: one slip (a swap, a neighbouring key)
    "synth lba": "Synth Lab",
    "cargo vna": "Red Hook Cargo Van",
    "oka table": "Landwehr Room",
}


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    """nDCG@k of a ranking; a query with nothing relevant scores 1 when nothing comes back."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal == 0:
        return 1.0 if not ranked else 0.0
    return dcg([judged.get(name, 0) for name in ranked[:k]]) / ideal
